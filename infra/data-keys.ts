import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from './config';
import { DataCodec, KEY_ID_PATTERN, parseDataKeys, parseLookupKeys, type DataKeySource } from './data-codec';

/**
 * The data keys of this process. REACHLOOP_DATA_KEYS / REACHLOOP_LOOKUP_KEY when set; otherwise,
 * for the embedded default, keys generated once and kept (0600) under the state folder, as the
 * signing secret is (infra/channels.ts signingSecretOf).
 */
export function dataCodecOf(config: Pick<Config, 'dataKeys' | 'stateDir'>): DataCodec {
  if (config.dataKeys) return new DataCodec(config.dataKeys.keys, config.dataKeys.activeId, config.dataKeys.lookupKeys);
  const keysFile = generatedDataKeyFile(config.stateDir);
  const lookupFile = generatedLookupKeyFile(config.stateDir);
  if (!existsSync(keysFile) || !existsSync(lookupFile)) {
    mkdirSync(config.stateDir, { recursive: true });
    createOnce(keysFile, `k1:${randomBytes(32).toString('base64')}\n`);
    createOnce(lookupFile, `${randomBytes(32).toString('base64')}\n`);
  }
  const keys = parseDataKeys(readFileSync(keysFile, 'utf8').trim());
  const lookupKeys = parseLookupKeys(readFileSync(lookupFile, 'utf8').trim());
  if (typeof keys === 'string' || typeof lookupKeys === 'string') throw new ConfigError([`the generated keys under ${config.stateDir} are damaged (data-keys, lookup-key): restore them from a backup`]);
  return new DataCodec(keys, keys[0]!.id, lookupKeys, generatedSource(keysFile));
}

/** The generated data keys (embedded default): id:base64, comma-separated, the active one first. */
export const generatedDataKeyFile = (stateDir: string) => path.join(stateDir, 'data-keys');

const generatedSource = (file: string): DataKeySource => ({
  name: `the generated key file ${file}`,
  restore: 'restore that file from a backup, or copy it from the host where `reachloop keys rotate --generate` ran',
});

/**
 * Stages one more generated data key, as the active one, beside the generated data key file
 * (data-keys.next, 0600) for `keys rotate --generate`: `codec` holds it (and every older key);
 * `install` renames the staged file into place (atomically), `abandon` removes it.
 */
export function stageGeneratedDataKey(stateDir: string, lookupKeys: readonly Buffer[]): { file: string; keyId: string; codec: DataCodec; install(): void; abandon(): void } {
  const file = generatedDataKeyFile(stateDir);
  const keys = parseDataKeys(readFileSync(file, 'utf8').trim());
  if (typeof keys === 'string') throw new ConfigError([`the generated data key file ${file} is damaged (${keys}): restore it from a backup`]);
  let n = keys.length + 1;
  while (keys.some((k) => k.id === `k${n}`)) n++;
  const keyId = `k${n}`;
  if (!KEY_ID_PATTERN.test(keyId)) throw new ConfigError([`the generated data key file ${file} holds too many keys to name another`]);
  const next = [{ id: keyId, key: randomBytes(32) }, ...keys];
  const codec = new DataCodec(next, keyId, lookupKeys, generatedSource(file));
  return { file, keyId, codec, ...staged(file, `${next.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',')}\n`) };
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
  return { file, ...staged(file, `${chain.map((k) => k.toString('base64')).join(',')}\n`) };
}

/** `content` written whole beside `file` (file.next, 0600); install renames it over `file`, abandon removes it. */
function staged(file: string, content: string): { install(): void; abandon(): void } {
  const next = `${file}.next`;
  writeFileSync(next, content, { mode: 0o600 });
  return { install: () => renameSync(next, file), abandon: () => unlinkSync(next) };
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
