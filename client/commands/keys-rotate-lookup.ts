import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { liveProcesses } from '../../db/heartbeats';
import { importsInProgress, rotateLookupKey } from '../../db/lookup-rotation';
import { HEARTBEAT_MS, LIVE_PROCESS_WINDOW_MS } from '../../infra/heartbeat';
import { base64Key } from '../../infra/data-codec';
import { dataCodec, dataKeysGenerated, stageGeneratedLookupChain } from '../../infra/data-keys';
import { LIVE_POLLER_WINDOW_MS, livePollers, type LivePoller } from '../../infra/temporal';
import { bulkTaskQueue } from '../../workflows/ids';
import { CliError, emit, UsageError, type GlobalOptions } from '../cli-kit';
import { withSession } from '../session';

interface Flags extends GlobalOptions {
  newKeyEnv?: string;
  generate?: boolean;
  yes?: boolean;
  force?: boolean;
}

/** `reachloop keys rotate-lookup`: one more key on the lookup key chain, every stored lookup hash re-hashed with it. */
export function registerRotateLookup(keys: Command): void {
  keys
    .command('rotate-lookup')
    .description('add a key to the lookup key chain and re-hash every stored lookup hash with it (maintenance: stop the server and workers first)')
    .option('--new-key-env <VAR>', 'the environment variable holding the new key (base64 of 32 bytes)')
    .option('--generate', 'generate the new key (only for keys generated under the state folder, the embedded default)')
    .option('--yes', 'confirm: every lookup hash is rewritten and every process must then start with the new chain')
    .option('--force', `rotate even though a worker polled the task queue in the last ${LIVE_POLLER_WINDOW_MS / 60_000} minutes, a process beats or an import is in progress`)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Numbers, e-mails and addresses are found by keyed hashes: HMAC-SHA256 under the lookup key
(REACHLOOP_LOOKUP_KEY) of the value's SHA-256. The lookup key is a chain, oldest first:
  lookupHash(v) = HMAC(k_n, ... HMAC(k_2, HMAC(k_1, sha256(v))))
Rotating adds k_new to the chain and rewrites every stored hash h as HMAC(k_new, h). No plaintext is
needed, so the hashes kept of erased identifiers and of old numbers move too; afterwards every hash
depends on k_new, and the older keys alone no longer enumerate the tables.

It is a maintenance step, all or nothing in ONE transaction that locks the tables holding lookup
hashes against writes. It refuses while a worker polls the task queue (workers seen in the last
${LIVE_POLLER_WINDOW_MS / 60_000} minutes count; --force if you know they are stopped), while a worker or server beats
(every ${HEARTBEAT_MS / 1000} s; alive if seen in the last ${LIVE_PROCESS_WINDOW_MS / 1000} s) or an import is in progress. A process
still running on the old chain (after --force) stops at its next heartbeat instead of hashing with it.

  1. stop the server (reachloop serve / dev) and every worker
  2. with keys from the environment:
       export NEW_LOOKUP_KEY="$(openssl rand -base64 32)"     # keep it with your other secrets
       reachloop keys rotate-lookup --new-key-env NEW_LOOKUP_KEY --yes
     with the generated keys of the embedded default (the state folder's lookup-key file is updated):
       reachloop keys rotate-lookup --generate --yes
  3. set REACHLOOP_LOOKUP_KEY="<old chain>,<new key>" in every worker, server and CLI environment
     (the command prints it), then start them: a process with the old chain refuses to start.`,
    )
    .action(async (flags: Flags) => {
      if (Boolean(flags.newKeyEnv) === Boolean(flags.generate)) throw new UsageError('give the new lookup key with exactly one of --new-key-env VAR or --generate (see --help)');
      if (!flags.yes)
        throw new UsageError('rotate-lookup rewrites every lookup hash and changes the key chain every process must start with: stop the server and workers, then run it again with --yes');
      await withSession(async ({ pool, client, taskQueue, config }) => {
        const generated = dataKeysGenerated(config);
        if (flags.generate && !generated)
          throw new UsageError('--generate is only for keys generated under the state folder; REACHLOOP_LOOKUP_KEY is set: generate a key (openssl rand -base64 32), put it in a variable and pass --new-key-env VAR');
        const newKey = flags.generate ? randomBytes(32) : keyFromEnv(flags.newKeyEnv!);

        if (!flags.force) {
          const pollers = await livePollers(client, [taskQueue, bulkTaskQueue(taskQueue)]);
          if (pollers.length) {
            const byWorker = new Map<string, LivePoller[]>();
            for (const p of pollers) byWorker.set(p.identity, [...(byWorker.get(p.identity) ?? []), p]);
            const workers = [...byWorker].map(([identity, ps]) => `${identity} on ${ps.map((p) => p.taskQueue).join(' and ')}, ${Math.min(...ps.map((p) => p.secondsAgo))}s ago`);
            throw new CliError(
              `${workers.length} worker(s) poll the task queue (${workers.join('; ')}): stop every worker and the server first (a worker stopped just now shows for up to ${LIVE_POLLER_WINDOW_MS / 60_000} minutes), or pass --force if they are stopped`,
            );
          }
          const live = await liveProcesses(pool, LIVE_PROCESS_WINDOW_MS);
          if (live.length)
            throw new CliError(
              `${live.length} reachloop process(es) are running on this database (${live.map((p) => `${p.roles} pid ${p.pid} on ${p.host}, beat ${p.secondsAgo}s ago`).join('; ')}): stop the server and every worker first, or pass --force (a process still running then stops at its next heartbeat)`,
            );
          const imports = await importsInProgress(pool);
          if (imports.length) throw new CliError(`import(s) ${imports.join(', ')} are in progress (their staged rows hold hashes under the current chain): let them finish, or pass --force`);
        }

        const codec = dataCodec();
        const staged = generated ? stageGeneratedLookupChain(config.stateDir, [...codec.lookupKeyChain, newKey]) : undefined;
        let result;
        try {
          result = await rotateLookupKey(pool, codec, newKey);
        } catch (err) {
          staged?.abandon();
          throw err;
        }
        staged?.install();
        const next = staged
          ? `the generated chain in ${staged.file} now holds ${result.chainLength} keys: copy that file to every host that runs reachloop on this database, then start the server and workers`
          : `set REACHLOOP_LOOKUP_KEY="$REACHLOOP_LOOKUP_KEY,$${flags.newKeyEnv}" (${result.chainLength} keys, oldest first) in every worker, server and CLI environment, then start them`;
        emit({ rewritten: result.rewritten, chainLength: result.chainLength, ...(staged ? { keyFile: staged.file } : {}), next }, flags, (r) =>
          [
            `lookup key chain rotated to ${r.chainLength} keys: ${Object.values(r.rewritten).reduce((a, b) => a + b, 0)} hashes rewritten`,
            ...Object.entries(r.rewritten).map(([c, n]) => `  ${c.padEnd(36)} ${n}`),
            `next: ${r.next}`,
          ].join('\n'),
        );
      });
    });
}

/** The new key from the named variable, or a usage error that never echoes it. */
function keyFromEnv(name: string): Buffer {
  const value = process.env[name];
  if (!value?.trim()) throw new UsageError(`--new-key-env ${name}: the variable is not set`);
  const key = base64Key(value);
  if (!key) throw new UsageError(`--new-key-env ${name}: the variable must hold the base64 of 32 bytes (e.g. \`openssl rand -base64 32\`)`);
  return key;
}
