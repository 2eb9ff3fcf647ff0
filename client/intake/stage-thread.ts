/** Worker thread of the upload: validates and normalises batches of records (stage-batch.ts). */
import { parentPort } from 'node:worker_threads';
import { stageBatch, type StageContext, type StageMessage } from './stage-batch';

// The thread starts before the file's header is read: its context comes as the first message.
let ctx: StageContext | undefined;
parentPort!.on('message', (m: StageMessage) => {
  if ('context' in m) {
    ctx = m.context;
    return;
  }
  if (!ctx) throw new Error('a batch came before the context');
  const r = stageBatch(ctx, m.batch);
  // The COPY bytes are transferred, not copied, to the main thread.
  parentPort!.postMessage(r, [r.copy.buffer as ArrayBuffer]);
});
