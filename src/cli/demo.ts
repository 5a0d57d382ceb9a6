// `mmif demo`: generate → dpo → export → eval → reports on shipped pictures against a built-in simulated endpoint.
import type { Command } from "commander";
import { runDemo } from "../demo/run.js";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "See the whole pipeline work in under a minute with no key and no network: mmif generate on three small pictures shipped with " +
        "the package, mmif dpo, mmif export (LLaMA-Factory), and mmif eval of the generated bench, each the real command, against a " +
        "built-in SIMULATED OpenAI-compatible endpoint started on loopback. Every output names the simulated models and the reports say so.",
    )
    .option("--out <dir>", "folder for every output (generate/, dpo/, export/, eval/, logs/)", "mmif-demo")
    .addHelpText(
      "after",
      [
        "",
        "It prints where each output and report is. The same commands against a real endpoint are in the README (Usage).",
        "Exit codes: 0 every step worked; 1 a step failed (its output is printed).",
      ].join("\n"),
    )
    .action(async (flags: { out: string }, cmd: Command) => {
      const result = await runDemo(flags.out, (line) => process.stdout.write(`${line}\n`));
      cmd.setOptionValue("exitCode", result.code);
    });
}
