// Child process of ensureWorkflowBundle: bundles workflows/ and writes the code to argv[2].
import { writeFileSync } from 'node:fs';
import { bundleWorkflows } from './index';

const out = process.argv[2];
if (!out) throw new Error('usage: build-bundle.ts OUTFILE');
const { code } = await bundleWorkflows();
writeFileSync(out, code);
