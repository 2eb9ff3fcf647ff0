/**
 * Resolves on the first SIGINT/SIGTERM (or when `done` settles: the worker died, the lookup key
 * chain was rotated under the process), with a word for the reason. A second Ctrl-C while shutting
 * down exits at once.
 */
export function untilSignal(done: Promise<unknown>): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      process.once(sig, () => process.exit(130));
      resolve(sig);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    done.then(
      () => resolve('worker stopped'),
      (err: Error) => resolve(`stopped: ${err.message}`),
    );
  });
}
