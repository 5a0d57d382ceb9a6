// The `mmif` command line: a thin layer that parses flags, calls the library, and maps outcomes to exit codes.
import { Command, CommanderError } from "commander";
import { EXIT, UsageError } from "./exit-codes.js";
import { registerEval } from "./eval.js";
import { registerExport } from "./export.js";
import { registerFilter } from "./filter.js";
import { registerGenerate } from "./generate.js";
import { registerRecipe } from "./recipe.js";
import { registerDpo } from "./dpo.js";
import { registerReport } from "./report.js";
import { registerScore } from "./score.js";
import { registerVerify } from "./verify.js";
import { packageVersion } from "./version.js";

export function buildProgram(): Command {
  const program = new Command("mmif")
    .description("mm-ifengine: multimodal instruction following — generate MM-IFEngine data, evaluate on MM-IFEval.")
    .version(packageVersion(), "-V, --version")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();
  program.addHelpText("after", "\nRun `mmif <command> --help` for every flag of a command. Exit codes: 0 done, 1 the work failed, 2 bad usage or input.");
  registerVerify(program);
  registerEval(program);
  registerScore(program);
  registerFilter(program);
  registerGenerate(program);
  registerExport(program);
  registerRecipe(program);
  registerDpo(program);
  registerReport(program);
  return program;
}

/** Runs the CLI and returns the process exit code (never calls process.exit itself). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
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
    if ((e as NodeJS.ErrnoException).code === "EPIPE") return EXIT.OK;
    process.stderr.write(`mmif: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.FAILURE;
  }
}
