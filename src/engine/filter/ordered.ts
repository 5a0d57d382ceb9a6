// Order-preserving concurrent map over a (possibly async) stream with a bounded window: at most `limit` items are
// in flight or waiting to be taken, so memory does not grow with the length of the stream.

export async function* mapOrdered<T, R>(
  source: Iterable<T> | AsyncIterable<T>,
  limit: number,
  fn: (item: T) => Promise<R>,
  signal?: AbortSignal,
): AsyncGenerator<R> {
  const it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  const window: Array<Promise<R>> = [];
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && window.length < limit && !signal?.aborted) {
        const next = await it.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        const pending = fn(next.value);
        pending.catch(() => {}); // surfaced when its turn comes; not an unhandled rejection meanwhile
        window.push(pending);
      }
      const head = window.shift();
      if (head === undefined) return;
      yield await head;
    }
  } finally {
    if (!exhausted) await it.return?.();
  }
}
