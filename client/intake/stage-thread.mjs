// Entry of the upload's worker threads: the TypeScript sources run through tsx's loader, as in
// bin/reachloop.mjs (a thread does not inherit the loader registered by its parent).
import { register } from 'tsx/esm/api';

register();
await import('./stage-thread.ts');
