/**
 * One run per output folder: a run holds `<out>/.mmif-lock` (its pid, command and start time) for as long as it
 * works there, so a double-submitted job cannot pay for the same calls twice or interleave its files with ours.
 * A lock whose process is gone (killed, crashed) is stale and taken over; a live holder makes the second run
 * refuse. The lock is removed on every exit, the abrupt ones (a second Ctrl-C) included.
 */
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { InputError } from "../common/errors.js";
import { processAlive, tempPath } from "./tidy.js";

export const LOCK_FILE = ".mmif-lock";

interface LockInfo {
  pid: number;
  host: string;
  command: string;
  started_at: string;
}

/** Another live run holds the folder: the user waits or picks another --out (exit 2). */
export class RunLockedError extends InputError {
  constructor(
    readonly dir: string,
    readonly holder: LockInfo,
  ) {
    super(
      `another mmif run (pid ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ""}, "${holder.command}", started ${holder.started_at}) ` +
        `is using ${dir}; wait for it to finish or choose another --out` +
        (holder.host !== hostname() ? ` (if that run is gone, delete ${join(dir, LOCK_FILE)})` : ""),
    );
  }
}

/** The lock file's text, or undefined when there is none. */
function readLockText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

function parseHolder(text: string | undefined): LockInfo | undefined {
  try {
    const v = JSON.parse(text ?? "") as Partial<LockInfo>;
    return typeof v.pid === "number" ? { pid: v.pid, host: String(v.host ?? ""), command: String(v.command ?? "?"), started_at: String(v.started_at ?? "?") } : undefined;
  } catch {
    return undefined; // unreadable (corrupt, or half-written by an older mmif killed mid-write): stale
  }
}

const readHolder = (path: string) => parseHolder(readLockText(path));

export interface RunLock {
  release(): void;
}

/** A holder that may still be working: a live process here, or any process on another machine (we cannot tell). */
function liveHolder(holder: LockInfo | undefined): holder is LockInfo {
  return holder !== undefined && (holder.host !== hostname() || (holder.pid !== process.pid && processAlive(holder.pid)));
}

/**
 * Held for the moment it takes to remove a stale lock. A lock file is only ever removed by its holder (on release)
 * or, when that holder is dead, by the one run holding this file, which checks under it that the lock is still the
 * stale one it read: no run can remove a lock a live run has just put in place.
 */
export const BREAK_FILE = ".mmif-lock.break";

/** A breaker whose run died in the microseconds it holds it (or is older than any break takes) is removed. */
const BREAK_STALE_MS = 10_000;

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}

/** Removes the lock at `path` if it is still the stale one whose text is `staleText`. */
function removeStale(dir: string, path: string, staleText: string): void {
  const breaker = join(dir, BREAK_FILE);
  const tmp = tempPath(breaker, true);
  writeFileSync(tmp, JSON.stringify({ pid: process.pid, host: hostname() }));
  try {
    try {
      linkSync(tmp, breaker);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (breakerStale(breaker)) unlinkQuiet(breaker);
      return; // another run is removing it: look again
    }
    try {
      if (readLockText(path) === staleText) unlinkSync(path);
    } finally {
      unlinkQuiet(breaker);
    }
  } finally {
    unlinkQuiet(tmp);
  }
}

function breakerStale(breaker: string): boolean {
  try {
    const holder = parseHolder(readFileSync(breaker, "utf8"));
    const old = Date.now() - statSync(breaker).mtimeMs > BREAK_STALE_MS;
    return old || holder === undefined || (holder.host === hostname() && !processAlive(holder.pid));
  } catch {
    return false; // gone already
  }
}

/** Tries to take the lock this many times while other runs keep taking and releasing it. */
const ATTEMPTS = 20;

/** Takes the folder's lock (creating the folder), or throws {@link RunLockedError} naming the live holder. */
export function acquireRunLock(dir: string, command: string): RunLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, host: hostname(), command, started_at: new Date().toISOString() };
  // Written whole under a temporary name, then linked into place: link() fails when a lock is there, and no
  // contender ever reads a lock file its holder has not written yet (and takes it for a stale one).
  const tmp = tempPath(path, true);
  writeFileSync(tmp, JSON.stringify(info));
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const text = readLockText(path);
      const holder = parseHolder(text);
      if (text !== undefined && liveHolder(holder)) throw new RunLockedError(dir, holder);
      if (attempt >= ATTEMPTS) throw new InputError(`could not take the lock of ${dir}: other mmif runs keep taking it over; wait for them to finish or choose another --out`);
      // Released meanwhile (try again), or stale: its process is gone or the file is unreadable.
      if (text !== undefined) removeStale(dir, path, text);
    }
  } finally {
    unlinkSync(tmp);
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off("exit", release);
    try {
      if (readHolder(path)?.pid === process.pid) unlinkSync(path);
    } catch {
      // gone already
    }
  };
  process.on("exit", release);
  return { release };
}
