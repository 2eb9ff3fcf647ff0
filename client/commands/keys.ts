import type { Command } from 'commander';
import { rotateKeys, valuesByKey } from '../../db/key-rotation';
import { dataCodec } from '../../infra/data-keys';
import { emit, UsageError, type GlobalOptions } from '../cli-kit';
import { withPool } from '../session';
import { registerRotateLookup } from './keys-rotate-lookup';

/** `reachloop keys status|rotate`: the data keys personal data is encrypted under, and their rotation. */
export function registerKeys(program: Command): void {
  const keys = program
    .command('keys')
    .description('the keys personal data is encrypted under and hashed with: which values are under which key, rotation of the data keys and of the lookup key')
    .addHelpText(
      'after',
      `
Phone numbers, e-mails, names, addresses, rejected rows and the text of inbound SMS are stored
encrypted (AES-256-GCM), each value under the key named in it. REACHLOOP_DATA_KEYS lists the keys (id:base64, comma-separated),
REACHLOOP_DATA_KEY_ID the active one that new values are written under (default: the first).

To rotate:
  1. generate a key:            openssl rand -base64 32
  2. put it first in REACHLOOP_DATA_KEYS of every worker and server (keep the old one), restart them
  3. run                        reachloop keys rotate
  4. when it reports 0 remaining, the old key can leave REACHLOOP_DATA_KEYS
The lookup key (REACHLOOP_LOOKUP_KEY) is rotated apart: \`reachloop keys rotate-lookup --help\`.`,
    );

  keys
    .command('status')
    .description('how many values of each encrypted column are under each key')
    .option('--json', 'print as JSON')
    .action(async (flags: GlobalOptions) => {
      await withPool(async (pool) => {
        const byColumn = await valuesByKey(pool);
        emit({ activeKey: dataCodec().activeId, byColumn }, flags, (x) =>
          [`active key ${x.activeKey}`, ...Object.entries(x.byColumn).map(([c, n]) => `  ${c.padEnd(36)} ${Object.entries(n).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`)].join('\n'),
        );
      });
    });

  keys
    .command('rotate')
    .description('re-encrypt every value not under the active key, in batches, while the system runs (resumable)')
    .option('--batch <n>', 'values per transaction (default 1000)', '1000')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Each batch is one short transaction that locks its rows FOR UPDATE SKIP LOCKED: sends and imports
keep running, a row they hold is taken in a later batch. Stopped, it resumes where it was: values
under the active key are never touched again. Progress goes to stderr.

Example:
  REACHLOOP_DATA_KEYS="k2:<new>,k1:<old>" reachloop keys rotate --batch 5000`,
    )
    .action(async (flags: GlobalOptions & { batch: string }) => {
      const batch = Number(flags.batch);
      if (!Number.isInteger(batch) || batch < 1 || batch > 100_000) throw new UsageError(`--batch must be a whole number from 1 to 100000, got "${flags.batch}"`);
      await withPool(async (pool) => {
        const codec = dataCodec();
        let last = 0;
        const result = await rotateKeys(pool, codec, {
          batch,
          onProgress: (column, rotated) => {
            if (Date.now() - last < 1_000) return;
            last = Date.now();
            process.stderr.write(`${column}: ${rotated} re-encrypted\n`);
          },
        });
        emit(result, flags, (r) =>
          [
            `every value under key ${r.activeKey}: ${Object.values(r.rotated).reduce((a, b) => a + b, 0)} re-encrypted`,
            ...Object.entries(r.rotated).filter(([, n]) => n > 0).map(([c, n]) => `  ${c.padEnd(36)} ${n}`),
            r.remaining ? `${r.remaining} value(s) still under another key (rows held by others): run it again` : `remaining 0${r.retiredKeys.length ? `; no value is under ${r.retiredKeys.join(', ')} any more: it can leave REACHLOOP_DATA_KEYS` : ''}`,
          ].join('\n'),
        );
        if (result.remaining > 0) process.exitCode = 1;
      });
    });

  registerRotateLookup(keys);
}
