import type { Command } from 'commander';
import { liveProcesses } from '../../db/heartbeats';
import { rotateKeys, type RotationResult } from '../../db/key-rotation';
import type { DataCodec } from '../../infra/data-codec';
import { verifyDataKeys } from '../../db/personal-data';
import { dataCodec, dataKeysGenerated, stageGeneratedDataKey } from '../../infra/data-keys';
import { HEARTBEAT_MS, LIVE_PROCESS_WINDOW_MS } from '../../infra/heartbeat';
import type { Pool } from '../../db/pool';
import { CliError, configOrExit, emit, UsageError, type GlobalOptions } from '../cli-kit';
import { withPool } from '../session';

interface Flags extends GlobalOptions {
  batch: string;
  force?: boolean;
  generate?: boolean;
}

/** `reachloop keys rotate`: every value re-encrypted under the active data key, refused while a running process lacks that key. */
export function registerRotate(keys: Command): void {
  keys
    .command('rotate')
    .description('re-encrypt every value not under the active key, in batches, while the system runs (resumable)')
    .option('--batch <n>', 'values per transaction (default 1000)', '1000')
    .option('--generate', 'first generate a new key as the active one (only for keys generated under the state folder, the embedded default)')
    .option('--force', 'rotate even though a running worker or server does not hold the active key (it then fails on every value moved)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Each batch is one short transaction that locks its rows FOR UPDATE SKIP LOCKED: sends and imports
keep running, a row they hold is taken in a later batch. Stopped, it resumes where it was: values
under the active key are never touched again. Progress goes to stderr.

Every running worker and server must hold the new active key before anything moves under it:
each beats every ${HEARTBEAT_MS / 1000} s with the fingerprints of its keys, and the rotation refuses (naming
them) while one seen in the last ${LIVE_PROCESS_WINDOW_MS / 1000} s lacks it. Restart them with the new key first.

Example:
  REACHLOOP_DATA_KEYS="k2:<new>,k1:<old>" reachloop keys rotate --batch 5000

With the generated keys of the embedded default (no REACHLOOP_DATA_KEYS), stop \`reachloop dev\`
(and any serve or worker), then
  reachloop keys rotate --generate
adds a new key, first (active), to the state folder's data-keys file (written beside it, renamed
into place before any value is under the new key), then re-encrypts. Interrupted, \`reachloop keys
rotate\` resumes it. Copy that file to every host that runs reachloop on this database.`,
    )
    .action(async (flags: Flags) => {
      const batch = Number(flags.batch);
      if (!Number.isInteger(batch) || batch < 1 || batch > 100_000) throw new UsageError(`--batch must be a whole number from 1 to 100000, got "${flags.batch}"`);
      if (flags.generate && !dataKeysGenerated(configOrExit()))
        throw new UsageError('--generate is only for keys generated under the state folder; REACHLOOP_DATA_KEYS is set: put a new key first in it (and in every worker and server), then run `reachloop keys rotate`');
      await withPool(async (pool, config) => {
        if (flags.generate) {
          const staged = stageGeneratedDataKey(config.stateDir, dataCodec().lookupKeyChain);
          try {
            if (!flags.force) await refuseWhileProcessesLack(pool, staged.codec, 'stop them first (they read the generated keys when they start: started again after the rotation, they hold the new key)');
          } catch (err) {
            staged.abandon();
            throw err;
          }
          // In place before any value is under the new key: an interrupted rotation leaves no value
          // under a key that is only in a staged file; `keys rotate` resumes it from the file.
          staged.install();
          await verifyDataKeys(pool, staged.codec);
          report(await rotateWithProgress(pool, staged.codec, batch), flags, `the generated key file ${staged.file}`);
          return;
        }
        const codec = dataCodec();
        if (!flags.force) await refuseWhileProcessesLack(pool, codec, 'restart them with REACHLOOP_DATA_KEYS=new,old first (the new key first, the old one kept)');
        report(await rotateWithProgress(pool, codec, batch), flags, codec.keySource.name);
      });
    });
}

/**
 * Refuses (before anything is re-encrypted) while a live process lacks the active key of `codec`
 * under the same id and fingerprint: every value moved would fail in it, every read a 500.
 */
async function refuseWhileProcessesLack(pool: Pool, codec: DataCodec, fix: string): Promise<void> {
  const keyId = codec.activeId;
  const lacking = await liveProcesses(pool, LIVE_PROCESS_WINDOW_MS, { keyId, fingerprint: codec.fingerprint(keyId) });
  if (lacking.length === 0) return;
  const named = lacking.map((p) => `${p.roles} pid ${p.pid} on ${p.host} (holds ${p.dataKeyIds.join(', ') || 'no recorded key'}, beat ${p.secondsAgo}s ago)`);
  throw new CliError(
    `${lacking.length} running reachloop process(es) do not hold the new active data key "${keyId}": ${named.join('; ')}. Every value moved under it would fail in them: ${fix}, then run \`reachloop keys rotate\` again (or pass --force)`,
  );
}

async function rotateWithProgress(pool: Pool, codec: DataCodec, batch: number): Promise<RotationResult> {
  let last = 0;
  return rotateKeys(pool, codec, {
    batch,
    onProgress: (column, rotated) => {
      if (Date.now() - last < 1_000) return;
      last = Date.now();
      process.stderr.write(`${column}: ${rotated} re-encrypted\n`);
    },
  });
}

/** The result; `keysWhere` names where the keys are kept (a retired key can leave it). */
function report(result: RotationResult, flags: GlobalOptions, keysWhere: string): void {
  emit(result, flags, (r) =>
    [
      `every value under key ${r.activeKey}: ${Object.values(r.rotated).reduce((a, b) => a + b, 0)} re-encrypted`,
      ...Object.entries(r.rotated).filter(([, n]) => n > 0).map(([c, n]) => `  ${c.padEnd(36)} ${n}`),
      r.remaining ? `${r.remaining} value(s) still under another key (rows held by others): run it again` : `remaining 0${r.retiredKeys.length ? `; no value is under ${r.retiredKeys.join(', ')} any more: it can leave ${keysWhere}` : ''}`,
    ].join('\n'),
  );
  if (result.remaining > 0) process.exitCode = 1;
}
