import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../infra/net';
import { projectRoot } from '../../infra/paths';

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything it wrote so far, stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

/** `reachloop serve` as an operator runs it (a child process), on a free port; resolves once it listens. */
export async function startServeProcess(env: Record<string, string>): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'reachloop.mjs'), 'serve'], {
    env: { ...process.env, ...env, HTTP_PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (c) => {
      output += c;
      if (output.includes('HTTP server listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`reachloop serve exited (${code}) before it listened:\n${output}`)));
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
