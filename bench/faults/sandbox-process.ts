/**
 * The local Twilio-shaped server (sandbox/twilio-server.ts) as a process of its own, for the fault
 * suite: it outlives the workers and servers the suite kills, so it can count every message the
 * provider accepted. `reachloop` runs the sandbox only inside a worker (SMS_PROVIDER=sandbox).
 *
 * Run: node --import tsx bench/faults/sandbox-process.ts PORT, with TWILIO_ACCOUNT_SID and
 * TWILIO_AUTH_TOKEN in the environment; prints one JSON line {url, accountSid} when it listens,
 * stops on SIGTERM or SIGINT. Drive it with its admin API (sandbox/twilio-admin-client.ts).
 */
import { startTwilioSandbox } from '../../sandbox/twilio-server';

const port = Number(process.argv[2] ?? 0);
const authToken = process.env.TWILIO_AUTH_TOKEN;
if (!authToken || !Number.isInteger(port)) {
  process.stderr.write('usage: TWILIO_AUTH_TOKEN=... [TWILIO_ACCOUNT_SID=AC...] sandbox-process.ts PORT\n');
  process.exit(2);
}
const sandbox = await startTwilioSandbox({
  authToken,
  ...(process.env.TWILIO_ACCOUNT_SID ? { accountSid: process.env.TWILIO_ACCOUNT_SID } : {}),
  port,
  host: '127.0.0.1',
  defaultFrom: process.env.TWILIO_FROM ?? '+15005550006',
});
process.stdout.write(`${JSON.stringify({ url: sandbox.url, accountSid: sandbox.accountSid })}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => {
    void sandbox.stop().finally(() => process.exit(0));
  });
