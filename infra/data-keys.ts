import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from './config';
import { DataCodec, parseDataKeys, parseLookupKeys } from './data-codec';

/**
 * The data keys of this process. REACHLOOP_DATA_KEYS / REACHLOOP_LOOKUP_KEY when set; otherwise,
 * for the embedded default, keys generated once and kept (0600) under the state folder, as the
 * signing secret is (infra/channels.ts signingSecretOf).
 */
export function dataCodecOf(config: Pick<Config, 'dataKeys' | 'stateDir'>): DataCodec {
  if (config.dataKeys) return new DataCodec(config.dataKeys.keys, config.dataKeys.activeId, config.dataKeys.lookupKeys);
  const keysFile = path.join(config.stateDir, 'data-keys');
  const lookupFile = generatedLookupKeyFile(config.stateDir);
  if (!existsSync(keysFile) || !existsSync(lookupFile)) {
    mkdirSync(config.stateDir, { recursive: true });
    createOnce(keysFile, `k1:${randomBytes(32).toString('base64')}\n`);
    createOnce(lookupFile, `${randomBytes(32).toString('base64')}\n`);
  }
  const keys = parseDataKeys(readFileSync(keysFile, 'utf8').trim());
  const lookupKeys = parseLookupKeys(readFileSync(lookupFile, 'utf8').trim());
  if (typeof keys === 'string' || typeof lookupKeys === 'string') throw new ConfigError([`the generated keys under ${config.stateDir} are damaged (data-keys, lookup-key): restore them from a backup`]);
  return new DataCodec(keys, keys[0]!.id, lookupKeys);
}

/** The generated lookup key chain (embedded default): base64 keys, comma-separated, oldest first. */
const generatedLookupKeyFile = (stateDir: string) => path.join(stateDir, 'lookup-key');

/**
 * Stages a new generated lookup key chain beside the current one (lookup-key.next, 0600) before
 * `keys rotate-lookup` rewrites the hashes, so that the new key is on disk before any hash depends
 * on it; `install` renames it into place (atomically: a process starting reads the old chain or
 * the new one, never half) right after the transaction commits, `abandon` removes it otherwise.
 */
export function stageGeneratedLookupChain(stateDir: string, chain: readonly Buffer[]): { file: string; install(): void; abandon(): void } {
  const file = generatedLookupKeyFile(stateDir);
  const next = `${file}.next`;
  writeFileSync(next, `${chain.map((k) => k.toString('base64')).join(',')}\n`, { mode: 0o600 });
  return { file, install: () => renameSync(next, file), abandon: () => unlinkSync(next) };
}

/**
 * Writes a file whole, unless it exists: through a private temporary file hard-linked into place,
 * so two processes starting at once (a CLI and a worker) agree on one key and never read half.
 */
function createOnce(file: string, content: string): void {
  if (existsSync(file)) return;
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, content, { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/** Whether the keys come from the state folder (doctor warns: every host needs the same ones). */
export const dataKeysGenerated = (config: Pick<Config, 'dataKeys'>) => config.dataKeys === undefined;

let resolve: (() => DataCodec) | undefined;
let current: DataCodec | undefined;

/**
 * The process's keys are part of its configuration, like the signing secret: the CLI, the worker
 * and the server install them once at start (lazily: a command that touches no personal data
 * generates nothing). Without an install they come from the environment (tests set it).
 */
export function installDataKeys(from: DataCodec | (() => DataCodec)): void {
  resolve = typeof from === 'function' ? from : () => from;
  current = undefined;
}

/** The installed keys (see installDataKeys). */
export function dataCodec(): DataCodec {
  if (!current) current = (resolve ?? (() => dataCodecOf(loadConfig(process.env))))();
  return current;
}
