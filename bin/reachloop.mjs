#!/usr/bin/env node
// Entry point of `npx reachloop`: runs the TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../client/main.ts');
process.exitCode = await main(process.argv);
