/**
 * One run per output folder: a run holds `<out>/.mmif-lock` (its pid, command and start time) for as long as it
 * works there, so a double-submitted job cannot pay for the same calls twice or interleave its files with ours.
 * A lock whose process is gone (killed, crashed) is stale and taken over; a live holder makes the second run
 * refuse. The lock is removed on every exit, the abrupt ones (a second Ctrl-C) included.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { InputError } from "../common/errors.js";

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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(path: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as Partial<LockInfo>;
    return typeof v.pid === "number" ? { pid: v.pid, host: String(v.host ?? ""), command: String(v.command ?? "?"), started_at: String(v.started_at ?? "?") } : undefined;
  } catch {
    return undefined; // unreadable or half-written by a process killed mid-write: stale
  }
}

export interface RunLock {
  release(): void;
}

/** Takes the folder's lock (creating the folder), or throws {@link RunLockedError} naming the live holder. */
export function acquireRunLock(dir: string, command: string): RunLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, host: hostname(), command, started_at: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 2) throw e;
      const holder = readHolder(path);
      if (holder && holder.pid !== process.pid && (holder.host !== info.host || alive(holder.pid))) throw new RunLockedError(dir, holder);
      // Stale: its process is gone. Remove it and try again (another run may win the race; then we refuse).
      try {
        unlinkSync(path);
      } catch {
        // already removed by the other contender
      }
    }
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
