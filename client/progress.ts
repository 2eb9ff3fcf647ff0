import cliProgress from 'cli-progress';

/**
 * A progress bar on stderr with a rate, shown only on a terminal and never with --json, so that
 * scripts get clean output. `update(value, total)` may be called as often as convenient.
 */
export function progressBar(label: string, unit: string, enabled: boolean) {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label.padEnd(12)} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s`, hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let running = false;
  return {
    update(value: number, total: number) {
      const rate = Math.round(value / Math.max(0.001, (Date.now() - started) / 1000));
      if (!running) {
        bar.start(total, value, { rate });
        running = true;
      } else {
        bar.setTotal(total);
        bar.update(value, { rate });
      }
    },
    stop() {
      if (running) bar.stop();
    },
  };
}

/**
 * Polls `query` every 300 ms (one call at a time) and hands each answer to `onValue`. stop()
 * waits for the call in flight, so none is left when the caller closes its connection.
 */
export function pollProgress<T>(query: () => Promise<T>, onValue: (value: T) => void): { stop(): Promise<void> } {
  let inflight: Promise<void> | undefined;
  const timer = setInterval(() => {
    inflight ??= query()
      .then(onValue)
      .catch(() => {})
      .finally(() => (inflight = undefined));
  }, 300);
  return {
    async stop() {
      clearInterval(timer);
      await inflight;
    },
  };
}

/** One status line on stderr while a long run goes on (a terminal only, never with --json); null ends it. */
export function progressLine(flags: { json?: boolean }): (text: string | null) => void {
  if (flags.json || !process.stderr.isTTY) return () => {};
  return (text) => process.stderr.write(text === null ? '\n' : `\r${text}`);
}

/**
 * Progress for a reader that is not a terminal (a log, a pipe, CI) where a bar cannot redraw:
 * one line on stderr each time the text changes. Off with --json or on a terminal (the bar's).
 */
export function progressLines(flags: { json?: boolean }): (text: string) => void {
  if (flags.json || process.stderr.isTTY) return () => {};
  let last = '';
  return (text) => {
    if (text === last) return;
    last = text;
    process.stderr.write(`${text}\n`);
  };
}
