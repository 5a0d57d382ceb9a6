// The `mmif` command line: a thin layer that parses flags, calls the library, and maps outcomes to exit codes.
import { Command, CommanderError, Help } from "commander";
import { EXIT, MmifError } from "../common/errors.js";
import { COMMANDS, commandNamed, type CommandEntry } from "./commands.js";
import { packageVersion } from "../common/version.js";

/**
 * The program with the code of `load` commands imported and registered in full (flags, help, action); every other
 * command is listed by name and summary only, which is all `mmif --help` shows of it.
 */
export async function buildProgram(load: readonly CommandEntry[] = COMMANDS): Promise<Command> {
  const program = new Command("mmif")
    .description("mm-ifengine: multimodal instruction following — generate MM-IFEngine data, evaluate on MM-IFEval.")
    .version(packageVersion(), "-V, --version")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();
  program.addHelpText("after", "\nRun `mmif <command> --help` for every flag of a command. Exit codes: 0 done, 1 the work failed, 2 bad usage or input.");
  for (const entry of COMMANDS) {
    if (load.includes(entry)) {
      (await entry.load())(program);
      program.commands.at(-1)!.summary(entry.summary);
    } else {
      program.command(entry.name).summary(entry.summary);
    }
  }
  // A listed-only command shows in `mmif --help` as its loaded self would.
  program.configureHelp({
    subcommandTerm(cmd) {
      const entry = COMMANDS.find((c) => c.name === cmd.name());
      if (!entry || load.includes(entry)) return Help.prototype.subcommandTerm.call(this, cmd);
      return `${entry.name} ${entry.usage}`.trim();
    },
  });
  return program;
}

/** Runs the CLI and returns the process exit code (never calls process.exit itself). */
export async function main(argv: readonly string[]): Promise<number> {
  const named = commandNamed(argv.slice(2));
  const program = await buildProgram(named ? [named] : []);
  try {
    await program.parseAsync(argv as string[]);
    const code = program.commands.map((c) => c.getOptionValue("exitCode") as number | undefined).find((c) => c !== undefined);
    return code ?? EXIT.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are successes; every other parse error is bad usage (commander already printed it).
      return e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help" ? EXIT.OK : EXIT.BAD_INPUT;
    }
    if ((e as NodeJS.ErrnoException).code === "EPIPE") return EXIT.OK;
    const { message, exitCode } = describeError(e);
    process.stderr.write(`mmif: ${message}\n`);
    return exitCode;
  }
}

/** File-system refusals the user fixes (a path that is missing, a file where a folder is wanted, no permission). */
const USER_FS_CODES: Record<string, string> = {
  ENOENT: "no such file or folder",
  ENOTDIR: "a part of the path is a file, not a folder",
  EISDIR: "it is a folder, not a file",
  EEXIST: "it already exists",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENAMETOOLONG: "the name is too long",
};

/**
 * The one place an error becomes a message and an exit code: our errors carry theirs (common/errors.ts), a
 * file-system refusal names its path in one line, and only a real bug prints a stack trace (exit 1).
 */
export function describeError(e: unknown): { message: string; exitCode: number } {
  if (e instanceof MmifError) return { message: e.message, exitCode: e.exitCode };
  const sys = e as NodeJS.ErrnoException;
  if (sys instanceof Error && typeof sys.code === "string" && typeof sys.path === "string") {
    const what = USER_FS_CODES[sys.code];
    const action = sys.syscall ? `cannot ${sys.syscall}` : "cannot use";
    if (what) return { message: `${action} ${sys.path}: ${what}`, exitCode: EXIT.BAD_INPUT };
    return { message: `${action} ${sys.path}: ${sys.message}`, exitCode: EXIT.FAILURE };
  }
  return { message: e instanceof Error ? (e.stack ?? e.message) : String(e), exitCode: EXIT.FAILURE };
}
