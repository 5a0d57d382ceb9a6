/**
 * One run per output folder: a run holds `<out>/.mmif-lock` (its pid, command and start time) for as long as it
 * works there, so a double-submitted job cannot pay for the same calls twice or interleave its files with ours.
 * A lock whose process is gone (killed, crashed) is stale and taken over; a live holder makes the second run
 * refuse. The lock is removed on every exit, the abrupt ones (a second Ctrl-C) included.
 */
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
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

function readHolder(path: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as Partial<LockInfo>;
    return typeof v.pid === "number" ? { pid: v.pid, host: String(v.host ?? ""), command: String(v.command ?? "?"), started_at: String(v.started_at ?? "?") } : undefined;
  } catch {
    return undefined; // unreadable (corrupt, or half-written by an older mmif killed mid-write): stale
  }
}

export interface RunLock {
  release(): void;
}

/** A holder that may still be working: a live process here, or any process on another machine (we cannot tell). */
function liveHolder(holder: LockInfo | undefined): holder is LockInfo {
  return holder !== undefined && (holder.host !== hostname() || (holder.pid !== process.pid && processAlive(holder.pid)));
}

/**
 * Removes a stale lock. It is first renamed aside (atomic: of two contenders only one moves a given file), then read
 * again: when what was moved is a live run's fresh lock (the stale one was replaced meanwhile), it is put back and
 * this run refuses.
 */
function removeStale(dir: string, path: string): void {
  const aside = tempPath(path, true);
  try {
    renameSync(path, aside);
  } catch {
    return; // removed meanwhile by another contender
  }
  const moved = readHolder(aside);
  try {
    if (liveHolder(moved)) {
      try {
        linkSync(aside, path);
      } catch {
        // yet another run has taken the place; it holds the folder now
      }
      throw new RunLockedError(dir, moved);
    }
  } finally {
    unlinkSync(aside);
  }
}

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
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const holder = readHolder(path);
      if (liveHolder(holder)) throw new RunLockedError(dir, holder);
      if (attempt >= 4) throw new InputError(`could not take the lock of ${dir}: other mmif runs keep taking it over; wait for them to finish or choose another --out`);
      // Stale: its process is gone (or the file is unreadable). Remove it and try again.
      removeStale(dir, path);
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
