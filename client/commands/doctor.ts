import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import nodemailer from 'nodemailer';
import { createTwilioClient } from '../../channels/twilio';
import { pendingMigrations } from '../../db/migrate';
import { verifyDataKeys } from '../../db/personal-data';
import { connectPool } from '../../db/pool';
import { DataKeyError } from '../../infra/data-codec';
import { dataCodecOf, dataKeysGenerated, generatedDataKeyFile } from '../../infra/data-keys';
import { ConfigError, loadConfig, type Config } from '../../infra/config';
import { connectClient } from '../../infra/temporal';
import { CliError, emit, resolveDatabaseUrl, resolveTemporalAddress, type GlobalOptions } from '../cli-kit';

/** One check: ok, a warning (works, but not as production should), or a failure with its fix. */
export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

const firstLine = (err: unknown) => ((err as Error)?.message ?? String(err)).split('\n')[0]!;
const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1\])$/i;

async function databaseCheck(config: Config): Promise<Check> {
  let url: string;
  try {
    url = resolveDatabaseUrl(config);
  } catch (err) {
    return { name: 'postgresql', status: 'fail', detail: firstLine(err), fix: 'set DATABASE_URL, or start `reachloop dev`' };
  }
  try {
    const pool = await connectPool(url, 1);
    try {
      const pending = await pendingMigrations(pool);
      return pending.length
        ? { name: 'postgresql', status: 'fail', detail: `reachable; ${pending.length} migration(s) not applied: ${pending.join(', ')}`, fix: 'run `reachloop migrate` (or start a worker with --migrate)' }
        : { name: 'postgresql', status: 'ok', detail: 'reachable; every migration applied' };
    } finally {
      await pool.end();
    }
  } catch (err) {
    return { name: 'postgresql', status: 'fail', detail: firstLine(err), fix: 'check DATABASE_URL (host, port, user, password) and that the server runs' };
  }
}

async function temporalCheck(config: Config): Promise<Check> {
  try {
    const client = await connectClient(resolveTemporalAddress(config), config.temporal.namespace);
    await client.connection.close();
    return { name: 'temporal', status: 'ok', detail: `reachable; namespace ${config.temporal.namespace} present` };
  } catch (err) {
    return { name: 'temporal', status: 'fail', detail: firstLine(err), fix: 'set TEMPORAL_ADDRESS to the frontend (host:7233) and TEMPORAL_NAMESPACE to an existing namespace (`temporal operator namespace create`)' };
  }
}

async function smsCheck(config: Config): Promise<Check> {
  if (config.sms.provider === 'sandbox') return { name: 'sms', status: 'warn', detail: 'SMS_PROVIDER=sandbox: nothing reaches a handset', fix: 'set SMS_PROVIDER=twilio with TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and a sender for production' };
  const { accountSid, authToken, apiBase } = config.sms;
  try {
    const account = await createTwilioClient({ accountSid, authToken, ...(apiBase ? { apiBase } : {}), timeoutMs: 10_000 }).api.v2010.accounts(accountSid).fetch();
    return account.status === 'active'
      ? { name: 'sms', status: 'ok', detail: `Twilio accepted the credentials (account ${accountSid.slice(0, 6)}…, active)` }
      : { name: 'sms', status: 'fail', detail: `Twilio account is ${account.status}`, fix: 'reactivate the account in the Twilio console' };
  } catch (err) {
    return { name: 'sms', status: 'fail', detail: `Twilio refused: ${firstLine(err)}`, fix: 'check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (and TWILIO_API_BASE if set)' };
  }
}

async function emailCheck(config: Config): Promise<Check> {
  if (config.email.provider === 'sandbox') return { name: 'email', status: 'warn', detail: 'EMAIL_PROVIDER=sandbox: nothing reaches a mailbox', fix: 'set EMAIL_PROVIDER=smtp and SMTP_URL for production' };
  const transport = nodemailer.createTransport(config.email.url);
  try {
    await transport.verify();
    return { name: 'email', status: 'ok', detail: 'the SMTP server accepted the connection and the login' };
  } catch (err) {
    return { name: 'email', status: 'fail', detail: `SMTP: ${firstLine(err)}`, fix: 'check SMTP_URL (host, port, user, password)' };
  } finally {
    transport.close();
  }
}

function secretCheck(config: Config): Check {
  return config.signingSecret
    ? { name: 'signing secret', status: 'ok', detail: 'REACHLOOP_SIGNING_SECRET is set: every worker and server that shares it verifies the others\' links' }
    : { name: 'signing secret', status: 'warn', detail: 'generated under the state folder: a worker and a server on different hosts each make their own, and unsubscribe links from one fail on the other', fix: 'set REACHLOOP_SIGNING_SECRET (16+ characters) to the same value everywhere' };
}

function dataKeysSourceCheck(config: Config): Check {
  return config.dataKeys
    ? { name: 'data keys', status: 'ok', detail: `REACHLOOP_DATA_KEYS (${config.dataKeys.keys.length} key(s), active ${config.dataKeys.activeId}) and REACHLOOP_LOOKUP_KEY are set` }
    : { name: 'data keys', status: 'warn', detail: 'generated under the state folder: a worker and a server on different hosts each make their own and cannot read each other\'s personal data, and losing the folder loses the data', fix: 'set REACHLOOP_DATA_KEYS (k1:$(openssl rand -base64 32)) and REACHLOOP_LOOKUP_KEY (openssl rand -base64 32) to the same values everywhere, and back them up' };
}

/**
 * Where the keys come from, then whether they are this database's (verifyDataKeys, recording
 * nothing): a key the database records missing, or another key under its id, fails with the fix.
 * Nothing to compare while the database is away (its own check says so) or no key was generated yet.
 */
async function dataKeysCheck(config: Config): Promise<Check> {
  const source = dataKeysSourceCheck(config);
  if (dataKeysGenerated(config) && !existsSync(generatedDataKeyFile(config.stateDir))) return source;
  let url: string;
  try {
    url = resolveDatabaseUrl(config);
  } catch {
    return source;
  }
  try {
    const codec = dataCodecOf(config);
    const pool = await connectPool(url, 1);
    try {
      await verifyDataKeys(pool, codec, { record: false });
    } finally {
      await pool.end();
    }
  } catch (err) {
    if (!(err instanceof DataKeyError || err instanceof ConfigError)) return source;
    const detail = err instanceof ConfigError ? err.problems.join('; ') : firstLine(err);
    const fix = dataKeysGenerated(config)
      ? `restore ${generatedDataKeyFile(config.stateDir)} (and lookup-key beside it) from a backup, or copy them from the host where \`reachloop keys rotate --generate\` ran`
      : 'set REACHLOOP_DATA_KEYS to every key the database records (the new one first, the old ones kept until `reachloop keys rotate` reports 0 remaining) and REACHLOOP_LOOKUP_KEY to its lookup chain';
    return { name: 'data keys', status: 'fail', detail, fix };
  }
  return source.status === 'ok' ? { ...source, detail: `${source.detail}; they are this database's` } : source;
}

async function publicUrlCheck(config: Config): Promise<Check> {
  const url = config.http.publicBaseUrl;
  const host = new URL(url).hostname;
  if (LOCAL_HOST.test(host) && config.sms.provider === 'twilio')
    return { name: 'webhook url', status: 'fail', detail: `PUBLIC_BASE_URL ${url} is this machine only: Twilio's status callbacks and replies cannot reach it`, fix: 'set PUBLIC_BASE_URL to the HTTPS address your proxy serves `reachloop serve` at' };
  try {
    const r = await fetch(`${url.replace(/\/+$/, '')}/healthz`, { signal: AbortSignal.timeout(5_000) });
    return r.ok
      ? { name: 'webhook url', status: LOCAL_HOST.test(host) ? 'warn' : 'ok', detail: `${url}/healthz answers${LOCAL_HOST.test(host) ? ' (from this machine only)' : ''}` }
      : { name: 'webhook url', status: 'fail', detail: `${url}/healthz answered ${r.status}`, fix: 'check that `reachloop serve` runs behind that address and reaches PostgreSQL' };
  } catch (err) {
    return { name: 'webhook url', status: 'warn', detail: `${url}/healthz is not reachable from here: ${firstLine(err)}`, fix: 'start `reachloop serve` there (this check runs from this machine, not from the internet)' };
  }
}

/** Every check, in the order an operator fixes them. */
export async function runDoctor(env: NodeJS.ProcessEnv): Promise<Check[]> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [{ name: 'configuration', status: 'fail', detail: err.problems.join('; '), fix: 'see `reachloop config --help` for every variable' }];
    throw err;
  }
  const checks: Check[] = [{ name: 'configuration', status: 'ok', detail: 'every variable valid' }];
  checks.push(...(await Promise.all([databaseCheck(config), temporalCheck(config), smsCheck(config), emailCheck(config)])));
  checks.push(secretCheck(config), await dataKeysCheck(config), await publicUrlCheck(config));
  return checks;
}

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check the installation: configuration, PostgreSQL and migrations, Temporal, Twilio, SMTP, signing secret, data keys (against the database), webhook URL')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nEach problem comes with its fix. Exit 1 when a check fails; warnings (sandbox channels, a local URL) do not fail.')
    .action(async (flags: GlobalOptions) => {
      const checks = await runDoctor(process.env);
      emit(checks, flags, (list) => list.map((c) => `${MARK[c.status]}  ${c.name.padEnd(15)} ${c.detail}${c.fix && c.status !== 'ok' ? `\n                       fix: ${c.fix}` : ''}`).join('\n'));
      const failed = checks.filter((c) => c.status === 'fail').length;
      if (failed) throw new CliError(`${failed} check(s) failed`);
    });
}
