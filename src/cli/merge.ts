// `mmif merge`: the --out folders of a sharded generate or dpo run (--shard i/n) into one run folder.
import type { Command } from "commander";
import { mergeShards } from "../run/merge.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { FlagChecks } from "./flag-values.js";
import { quitOnInterrupt } from "./interrupt.js";
import { reportAfterRun } from "./report.js";

export function registerMerge(program: Command): void {
  program
    .command("merge")
    .description(
      "Combine the --out folders of a generate or dpo run split with --shard i/n into one folder whose files equal an unsharded run's: " +
        "records in input order, images/ de-duplicated, the call ledgers merged, exports and stats recomputed.",
    )
    .argument("<dir...>", "the --out folder of every shard (0/n … n-1/n), after they finished")
    .requiredOption("--out <dir>", "folder for the merged run: new, or an earlier merge of the same shards (rerunning rewrites it)")
    .option("--quiet", "no report path on stderr")
    .addHelpText(
      "after",
      [
        "",
        "generate shards give items.jsonl, images.jsonl, images/, bench.jsonl, sft.jsonl, dataset_info.json, stats.json, report.html and",
        "ledger.sqlite; dpo shards give pairs.jsonl, dropped-pairs.jsonl, images/, dpo-stats.json and ledger.sqlite. merge.json records the shards.",
        "Shards merge only when they come from the same command apart from --shard, --out, endpoints, keys, concurrency and batching",
        "(same kind, seed, models, settings and number of shards), every shard 0/n … n-1/n is given once, and none is still running.",
        "A shard that is not complete makes the merge incomplete (exit 1): rerun that shard with the same command, then merge again.",
        "Ctrl-C or SIGTERM stops the merge at once (exit 130) and leaves no lock or temporary file: run the same merge again.",
        "Exit codes: 0 merged, complete; 1 merged but a shard is incomplete; 2 mismatched, missing or unreadable shards, or a bad --out; 130 interrupted.",
        "",
        "Example:",
        "  $ for i in 0 1 2; do mmif generate --images photos/ --model gpt-4o-mini --seed 1 --shard $i/3 --out run-$i; done",
        "  $ mmif merge run-0 run-1 run-2 --out run",
      ].join("\n"),
    )
    .action(async (dirs: string[], flags: { out: string; quiet?: boolean }, cmd: Command) => {
      const checks = new FlagChecks();
      checks.outDir(flags.out);
      checks.done();
      if (dirs.length === 0) throw new UsageError("merge needs the shard folders: mmif merge DIR... --out DIR");
      // No call to finish: a signal quits at once, and the locks in the shard folders and --out go with it (a job
      // scheduler's SIGTERM would otherwise leave locks that refuse the shards' reruns on other machines).
      const stopQuitting = quitOnInterrupt("merge", "the shards are unchanged: run the same merge again");
      let merged;
      try {
        merged = await mergeShards(dirs, flags.out);
        if (merged.kind === "generate") await reportAfterRun(flags.out, {}, flags.quiet);
      } finally {
        stopQuitting();
      }
      const s = merged.summary;
      const what =
        "items" in s
          ? `items ${s.items.total}, kept ${s.items.kept}; images ${s.images.kept}/${s.images.total} kept`
          : `${s.items_used} kept items: ${s.pairs} pairs, ${s.dropped} dropped, ${s.failed} failed`;
      process.stderr.write(`mmif merge: ${s.status === "complete" ? "" : `${s.status.toUpperCase()}: `}${merged.shards} ${merged.kind} shards: ${what}; outputs in ${flags.out}\n`);
      for (const reason of s.status_reasons) process.stderr.write(`mmif:   ${reason}\n`);
      cmd.setOptionValue("exitCode", s.status === "complete" ? EXIT.OK : EXIT.FAILURE);
    });
}
