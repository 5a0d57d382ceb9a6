// The `mmif` command line: a thin layer that parses flags, calls the library, and maps outcomes to exit codes.
import { Command, CommanderError, Help } from "commander";
import { COMMANDS, commandNamed, type CommandEntry } from "./commands.js";
import { EXIT, FailedWorkError, UsageError } from "./exit-codes.js";
import { packageVersion } from "./version.js";

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
    if (e instanceof UsageError) {
      process.stderr.write(`mmif: ${e.message}\n`);
      return EXIT.BAD_INPUT;
    }
    if (e instanceof FailedWorkError) {
      process.stderr.write(`mmif: ${e.message}\n`);
      return EXIT.FAILURE;
    }
    if ((e as NodeJS.ErrnoException).code === "EPIPE") return EXIT.OK;
    process.stderr.write(`mmif: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.FAILURE;
  }
}
