/**
 * Writes results in input order although they finish out of order: a result waits only until every earlier
 * one has been written, and the number of inputs in flight is bounded, so memory stays flat however many
 * images there are.
 */
/** Where ordered records go: a JsonlSink, or anything that takes one record at a time. */
export interface RecordSink<T> {
  write(record: T): Promise<void>;
}

export class OrderedJsonlWriter<T> {
  private next = 0;
  private readonly waiting = new Map<number, T[]>();
  /** Writes are chained so two puts never interleave their records. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly out: RecordSink<T>,
    private readonly onWrite: (record: T) => void = () => {},
  ) {}

  /** Hands over the records of input `position` (0-based); writes everything that is now in order. */
  put(position: number, records: T[]): Promise<void> {
    this.waiting.set(position, records);
    this.chain = this.chain.then(() => this.drain());
    return this.chain;
  }

  private async drain(): Promise<void> {
    while (this.waiting.has(this.next)) {
      const ready = this.waiting.get(this.next)!;
      this.waiting.delete(this.next);
      this.next++;
      for (const r of ready) {
        this.onWrite(r);
        await this.out.write(r);
      }
    }
  }

  get pending(): number {
    return this.waiting.size;
  }
}

/** Runs `work` over `inputs` with at most `limit` in flight, handing each result to `done` with its position. */
export async function forEachBounded<I, O>(inputs: AsyncIterable<I> | Iterable<I>, limit: number, work: (input: I, position: number) => Promise<O>, done: (position: number, output: O) => Promise<void>): Promise<number> {
  const running = new Set<Promise<void>>();
  let position = 0;
  let failure: unknown;
  for await (const input of inputs as AsyncIterable<I>) {
    if (failure !== undefined) break;
    const p = position++;
    const task: Promise<void> = work(input, p)
      .then((o) => done(p, o))
      .catch((e: unknown) => {
        failure ??= e;
      })
      .finally(() => running.delete(task));
    running.add(task);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure !== undefined) throw failure;
  return position;
}
