import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { projectRoot, toolsDir } from '../infra/paths';

/** Folders whose sources can end up in the workflow bundle. */
const BUNDLED_DIRS = ['workflows', 'core'];

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* sourceFiles(full);
    else if (/\.(ts|json)$/.test(name)) yield full;
  }
}

/** A hash of everything the bundle is built from: the sources and the SDK version. */
export function workflowSourceHash(): string {
  const h = createHash('sha256');
  h.update(JSON.parse(readFileSync(path.join(projectRoot, 'node_modules', '@temporalio', 'workflow', 'package.json'), 'utf8')).version);
  for (const dir of BUNDLED_DIRS) for (const f of sourceFiles(path.join(projectRoot, dir))) h.update(f.slice(projectRoot.length)).update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

/**
 * The workflow bundle, built once per source version in a child process and cached under
 * .tools/bundles. Webpack needs several hundred MB while it runs; doing it in a child keeps
 * that out of the long-lived worker's memory.
 */
export async function ensureWorkflowBundle(): Promise<{ codePath: string }> {
  const dir = path.join(toolsDir, 'bundles');
  const codePath = path.join(dir, `workflows-${workflowSourceHash()}.js`);
  if (existsSync(codePath)) return { codePath };
  mkdirSync(dir, { recursive: true });
  const tmp = `${codePath}.${process.pid}.tmp`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'worker', 'build-bundle.ts'), tmp], {
      stdio: ['ignore', 'ignore', 'pipe'],
      cwd: projectRoot,
    });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`building the workflow bundle failed (exit ${code}): ${err.trim()}`))));
  });
  renameSync(tmp, codePath); // atomic: concurrent builders never see half a file
  return { codePath };
}
