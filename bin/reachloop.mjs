#!/usr/bin/env node
// Entry point of `npx reachloop`: runs the TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';

register();
// Output piped into `head` (or any reader that stops early): end quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
const { main } = await import('../client/main.ts');
process.exitCode = await main(process.argv);
