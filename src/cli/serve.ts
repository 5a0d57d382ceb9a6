// `mmif serve`: the reward server for reinforcement learning (src/serve); this file only reads flags and runs it.
import { Option, type Command } from "commander";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { profileByName } from "../bench/profiles.js";
import { Ledger } from "../model/ledger.js";
import { asSent, createRewardServer, RuleWorkers, UNSCORABLE_POLICIES, type UnscorablePolicy } from "../serve/index.js";
import { judgeSettings, makeClient } from "./bench-flags.js";
import { imageLimits, positiveInt, wholeNumber } from "./flag-values.js";
import { addImageSizeFlags, addJudgeEndpointFlags, givenJudge, keyVariable, type ImageSizeFlags, type JudgeEndpointFlags } from "./flags.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { packageVersion } from "../common/version.js";

interface ServeFlags extends JudgeEndpointFlags, ImageSizeFlags {
  host: string;
  port: string;
  apiKeyEnv?: string;
  judgeConcurrency: string;
  profile: "vlmevalkit" | "authors";
  ledger: string;
  unscorable: UnscorablePolicy;
  imageRoot: string;
  maxBodyMb: string;
  workers?: string;
  stripTokens?: string;
  quiet?: boolean;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export function registerServe(program: Command): void {
  const cmd = program
    .command("serve")
    .description(
      "Serve MM-IFEval constraint checks as rewards over HTTP: rule_based constraints are checked here with the verdicts of mmif verify " +
        "and mmif eval; direct_gpt and cmp_gpt constraints go to --judge with MM-IFEval's judge prompts, every call recorded in --ledger " +
        "(a repeated request costs nothing).",
    )
    .option("--host <address>", "address to listen on (loopback by default; anything else should have --api-key-env)", "127.0.0.1")
    .option("--port <n>", "port to listen on (0: any free port, printed at start)", "8000")
    .option("--api-key-env <var>", "require the header Authorization: Bearer <key>, the key read from this environment variable");
  addJudgeEndpointFlags(cmd, { judge: "judge model for direct_gpt and cmp_gpt constraints (without it they are unscorable)" })
    .option("--judge-concurrency <n>", "judge calls in flight at once", "16")
    .addOption(new Option("--profile <name>", "reference judge handling: retries, compare prompt (spec §6)").choices(["vlmevalkit", "authors"]).default("vlmevalkit"));
  addImageSizeFlags(cmd, false)
    .option("--ledger <file>", "SQLite call ledger of the judge's calls (opened only with --judge)", "mmif-serve-ledger.sqlite")
    .addOption(new Option("--unscorable <policy>", "constraints that cannot be scored: left out of the reward (skip) or counted 0 (zero)").choices([...UNSCORABLE_POLICIES]).default("skip"))
    .option("--image-root <dir>", "image paths in requests resolve inside this folder and may not leave it", ".")
    .option("--max-body-mb <n>", "largest request body accepted, in MiB (larger: 413)", "64")
    .option("--workers <n>", "worker threads for rule-only items (default: one per CPU core; 0: all on the main thread)")
    .option("--strip-tokens <list>", "comma-separated texts removed from the end of OpenRLHF responses, e.g. '<|im_end|>,<|endoftext|>'")
    .option("-q, --quiet", "no line per request on standard error")
    .addHelpText(
      "after",
      [
        "",
        "Routes:",
        "  GET  /health       {\"status\": \"ok\", version, judge, profile, unscorable} (no key needed)",
        "  POST /v1/reward    {\"items\": [{response, constraints, image?, prompt?, response_without?}], \"mode\"?: \"share\"|\"strict\"}",
        "                     → {\"rewards\": [number|null], \"details\": [{verdicts: [{index, key, method, score, error?}], status, error?}]}",
        "  POST /get_reward   OpenRLHF --remote_rm_url: {\"query\", \"prompts\", \"labels\"} → {\"rewards\", \"scores\", \"extra_logs\"} (?mode=strict)",
        "share: the item's C-Level score as MM-IFEval computes it; strict: 1 only when every constraint passes.",
        "Bad requests get 400 with {\"error\", \"item\", \"field\"}. Clients for TRL, verl and OpenRLHF: docs/rl.md.",
        "Ctrl-C (or SIGTERM) stops taking requests and finishes the ones in flight; a second one quits at once.",
        "Exit codes: 0 stopped by a signal; 1 the server failed; 2 bad usage (flags, port in use).",
        "",
        "Examples:",
        "  $ mmif serve --port 8000",
        "  $ mmif serve --judge gpt-4o-2024-11-20 --ledger runs/rl-judge.sqlite --unscorable zero",
      ].join("\n"),
    )
    .action(async (flags: ServeFlags, cmd: Command) => {
      cmd.setOptionValue("exitCode", await runServe(flags));
    });
}

function portOf(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, got "${value}"`);
  return n;
}

function serverKey(envVar: string | undefined): string | undefined {
  if (envVar === undefined) return undefined;
  const key = process.env[envVar];
  if (key === undefined || key === "") throw new UsageError(`--api-key-env ${envVar}: the environment variable ${envVar} is not set (or empty); export the key there`);
  return key;
}

export async function runServe(flags: ServeFlags): Promise<number> {
  const port = portOf(flags.port);
  const maxBodyMb = positiveInt(flags.maxBodyMb, "--max-body-mb")!;
  const images = imageLimits(flags);
  const apiKey = serverKey(flags.apiKeyEnv);
  const profile = profileByName(flags.profile);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (!LOOPBACK.has(flags.host) && apiKey === undefined) log(`mmif serve: warning: listening on ${flags.host} without --api-key-env: anyone who can reach it can use your judge`);

  const judgeModel = givenJudge(flags);
  const workerCount = flags.workers === undefined ? availableParallelism() : wholeNumber(flags.workers, "--workers");
  const ledger = judgeModel ? new Ledger(resolve(flags.ledger)) : undefined;
  const workers = workerCount > 0 ? new RuleWorkers(workerCount, { profile: profile.name, unscorable: flags.unscorable }) : undefined;
  try {
    const judge = ledger
      ? makeClient(
          { model: judgeModel!, baseURL: flags.judgeBaseUrl, ...keyVariable(flags.judgeApiKeyEnv), concurrency: positiveInt(flags.judgeConcurrency, "--judge-concurrency"), images, ...judgeSettings(profile) },
          ledger,
        )
      : undefined;
    const server = createRewardServer({
      profile: asSent(profile),
      ...(judge ? { judges: { judge } } : {}),
      ...(workers ? { workers } : {}),
      unscorable: flags.unscorable,
      imageRoot: resolve(flags.imageRoot),
      maxBodyBytes: maxBodyMb * 1024 * 1024,
      ...(apiKey !== undefined ? { apiKey } : {}),
      stripTokens: flags.stripTokens ? flags.stripTokens.split(",") : [],
      info: { version: packageVersion(), judge: judgeModel ?? null, profile: profile.name, unscorable: flags.unscorable },
      ...(flags.quiet ? {} : { log }),
    });
    await new Promise<void>((done, fail) => {
      server.once("error", (e: NodeJS.ErrnoException) =>
        fail(e.code === "EADDRINUSE" ? new UsageError(`port ${port} on ${flags.host} is in use; pick another with --port`) : e.code === "EADDRNOTAVAIL" || e.code === "ENOTFOUND" ? new UsageError(`--host ${flags.host}: not an address of this machine`) : e),
      );
      server.listen(port, flags.host, () => done());
    });
    const address = server.address();
    const shown = typeof address === "object" && address !== null ? `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}` : String(address);
    process.stdout.write(`mmif serve: listening on ${shown} (judge: ${flags.judge ?? "none"}, unscorable: ${flags.unscorable})\n`);

    // The first signal lets requests in flight finish; a second quits at once.
    await new Promise<void>((done) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) process.exit(130);
        stopping = true;
        log(`mmif serve: ${signal}: finishing the requests in flight (again to quit now)`);
        server.close(() => done());
        server.closeIdleConnections();
      };
      process.on("SIGINT", () => stop("SIGINT"));
      process.on("SIGTERM", () => stop("SIGTERM"));
    });
    return EXIT.OK;
  } finally {
    await workers?.close();
    ledger?.close();
  }
}
