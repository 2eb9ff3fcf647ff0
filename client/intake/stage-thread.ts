/** Worker thread of the upload: validates and normalises batches of records (stage-batch.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { stageBatch, type StageBatch, type StageContext } from './stage-batch';

const ctx = workerData as StageContext;
parentPort!.on('message', (batch: StageBatch) => {
  const r = stageBatch(ctx, batch);
  // The COPY bytes are transferred, not copied, to the main thread.
  parentPort!.postMessage(r, [r.copy.buffer as ArrayBuffer]);
});
