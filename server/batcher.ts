/**
 * Groups work items that arrive one per HTTP request into batches, so that thousands of status
 * callbacks a second become a few transactions a second instead of thousands. A batch is flushed
 * when it is full, or as soon as the event loop is free (no added latency when traffic is low);
 * at most `concurrency` batches run at once, the rest wait and grow. Each caller gets its own
 * item's result; a failed batch fails each of its callers (Twilio retries them).
 */
export interface Batcher<I, O> {
  submit(item: I): Promise<O>;
  /** Resolves once nothing is queued or running. */
  drain(): Promise<void>;
}

export function createBatcher<I, O>(run: (items: I[]) => Promise<O[]>, opts: { maxBatch?: number; concurrency?: number } = {}): Batcher<I, O> {
  const maxBatch = opts.maxBatch ?? 500;
  const concurrency = opts.concurrency ?? 4;
  let queue: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  let running = 0;
  let scheduled = false;
  let drained: Array<() => void> = [];

  const settleDrain = () => {
    if (queue.length === 0 && running === 0) {
      for (const d of drained) d();
      drained = [];
    }
  };

  const flush = () => {
    scheduled = false;
    while (queue.length > 0 && running < concurrency) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      running++;
      run(batch.map((b) => b.item)).then(
        (out) => batch.forEach((b, i) => (i < out.length ? b.resolve(out[i]!) : b.reject(new Error('batch returned too few results')))),
        (err) => batch.forEach((b) => b.reject(err)),
      ).finally(() => {
        running--;
        if (queue.length > 0) schedule();
        settleDrain();
      });
    }
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  return {
    submit(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (queue.length >= maxBatch) flush();
        else schedule();
      });
    },
    drain() {
      return new Promise<void>((resolve) => {
        drained.push(resolve);
        settleDrain();
      });
    },
  };
}
