import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { maskPhone } from '../../core/mask';
import { normalizePhone, type CountryCode } from '../../core/phone';
import { readSandboxCredentials, sandboxFile } from '../../infra/channels';
import { sandboxAdminClient, type SandboxAdminClient } from '../../sandbox/twilio-admin-client';
import type { SandboxMessage } from '../../sandbox/twilio-server';
import { CliError, configOrExit, emit, UsageError, type GlobalOptions } from '../cli-kit';

/**
 * `reachloop sandbox messages|reply|rules`: the local Twilio-shaped server that a worker with
 * SMS_PROVIDER=sandbox runs (its address and credentials are in STATE_DIR/twilio-sandbox.json).
 */
export function registerSandbox(program: Command): void {
  const sandbox = program.command('sandbox').description('the local Twilio-shaped SMS server of `reachloop dev` (SMS_PROVIDER=sandbox)');

  sandbox
    .command('messages')
    .description('messages the sandbox "sent" and received, with their status callbacks')
    .option('--to <number>', 'only messages to this number')
    .option('--direction <dir>', 'outbound or inbound')
    .option('--default-country <CC>', 'country for a number written without country code')
    .option('--unmask', 'show full phone numbers (default: masked)')
    .option('--json', 'print as JSON')
    .action(async (flags: GlobalOptions & { to?: string; direction?: string; defaultCountry?: string; unmask?: boolean }) => {
      if (flags.direction && flags.direction !== 'outbound' && flags.direction !== 'inbound') throw new UsageError('--direction must be outbound or inbound');
      const to = flags.to ? e164(flags.to, flags.defaultCountry, '--to') : undefined;
      const messages = await admin().messages({ ...(to ? { to } : {}), ...(flags.direction ? { direction: flags.direction === 'inbound' ? 'inbound' : 'outbound-api' } : {}) });
      const shown = flags.unmask ? messages : messages.map((m) => ({ ...m, to: maskPhone(m.to), from: m.from === null ? null : maskPhone(m.from) }));
      emit(shown, flags, render);
    });

  sandbox
    .command('reply')
    .description('a handset answers: the sandbox POSTs a signed inbound message to the inbound webhook')
    .requiredOption('--from <number>', 'the handset number (a contact\'s phone)')
    .requiredOption('--body <text>', 'the text, e.g. STOP, START, HELP, Y')
    .option('--to <number>', 'the number it answers (default: the sandbox\'s sender)')
    .option('--default-country <CC>', 'country for a number written without country code')
    .option('--json', 'print as JSON')
    .action(async (flags: GlobalOptions & { from: string; body: string; to?: string; defaultCountry?: string }) => {
      if (flags.body.trim() === '') throw new UsageError('--body must not be empty');
      const from = e164(flags.from, flags.defaultCountry, '--from');
      const to = flags.to ? e164(flags.to, flags.defaultCountry, '--to') : undefined;
      const r = await admin().reply({ from, body: flags.body, ...(to ? { to } : {}) });
      emit(r, flags, (x) =>
        x.httpStatus !== undefined ? `reply ${x.sid} from ${maskPhone(from)} delivered to the inbound webhook: HTTP ${x.httpStatus}` : `reply ${x.sid} recorded, but the webhook failed: ${x.error}`,
      );
      if (r.httpStatus === undefined || r.httpStatus >= 300) throw new CliError(`the inbound webhook did not accept the reply (${r.httpStatus ?? r.error})`);
    });

  sandbox
    .command('rules')
    .description('the scripted outcomes per number (e.g. [{"toEndsWith": "13", "errorCode": 30003}]); --set replaces them')
    .option('--set <file>', 'JSON file with the rules (an array, or {"rules": [...]})')
    .option('--json', 'print as JSON')
    .action(async (flags: GlobalOptions & { set?: string }) => {
      const client = admin();
      let rules;
      if (flags.set) {
        let raw: unknown;
        try {
          raw = JSON.parse(readFileSync(flags.set, 'utf8'));
        } catch (err) {
          throw new UsageError(`${flags.set}: ${(err as Error).message}`);
        }
        rules = await client.setRules((Array.isArray(raw) ? raw : (raw as { rules?: unknown }).rules ?? []) as never);
      } else rules = await client.rules();
      emit(rules, flags, (r) => (r.length ? r.map((x) => JSON.stringify(x)).join('\n') : 'no rules: every message is delivered'));
    });
}

function admin(): SandboxAdminClient {
  const config = configOrExit();
  if (config.sms.provider !== 'sandbox') throw new CliError('SMS_PROVIDER is twilio: there is no local sandbox');
  const creds = readSandboxCredentials(config.stateDir);
  if (!creds || !alive(creds.pid))
    throw new CliError(`no running Twilio sandbox (no live ${sandboxFile(config.stateDir)}): start \`reachloop dev\` or a worker with SMS_PROVIDER=sandbox`);
  return sandboxAdminClient(creds);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function e164(raw: string, defaultCountry: string | undefined, flag: string): string {
  const p = normalizePhone(raw, { defaultCountry: defaultCountry?.toUpperCase() as CountryCode | undefined });
  if (!p.ok) throw new UsageError(`${flag} "${raw}" is not a phone number: ${p.message}`);
  return p.e164;
}

function render(messages: SandboxMessage[]): string {
  if (messages.length === 0) return 'no messages';
  return messages
    .map((m) => {
      const head = `${m.createdAt}  ${m.sid}  ${m.direction === 'inbound' ? 'IN ' : 'OUT'} ${m.from ?? '-'} -> ${m.to}  ${m.status}${m.errorCode ? ` (${m.errorCode})` : ''}${m.responseLost ? '  [response lost]' : ''}`;
      const body = `    ${JSON.stringify(m.body.length > 120 ? `${m.body.slice(0, 117)}...` : m.body)} (${m.numSegments} segment${m.numSegments === 1 ? '' : 's'})`;
      const callbacks = m.callbacks.map((c) => `    callback ${c.status} -> ${c.dropped ? 'dropped (rule)' : (c.httpStatus ?? c.error)}${(c.tries?.length ?? 0) > 1 ? ` after ${c.tries.length} tries` : ''}`);
      return [head, body, ...callbacks].join('\n');
    })
    .join('\n');
}
