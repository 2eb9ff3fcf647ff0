import type { Command } from 'commander';
import { valuesByKey } from '../../db/key-rotation';
import { dataCodec } from '../../infra/data-keys';
import { emit, type GlobalOptions } from '../cli-kit';
import { withPool } from '../session';
import { registerRotate } from './keys-rotate';
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
  3. run                        reachloop keys rotate        (refused while a running process lacks the key)
  4. when it reports 0 remaining, the old key can leave REACHLOOP_DATA_KEYS
With the keys generated under the state folder (the embedded default, no REACHLOOP_DATA_KEYS):
stop \`reachloop dev\`, run \`reachloop keys rotate --generate\`, start it again.
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

  registerRotate(keys);
  registerRotateLookup(keys);
}
