import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../infra/net';
import { buildServer } from '../server';
import { isolatedDatabase, runCli, type TestDatabase } from './helpers/harness';

// `reachloop doctor` as an operator runs it (a child process) against real servers: PostgreSQL
// with and without its migrations, the Temporal dev server, a real SMTP server, the HTTP server.

let db: TestDatabase;
let empty: TestDatabase;
let app: FastifyInstance;
let smtp: SMTPServer;
let base: string;
let smtpUrl: string;

beforeAll(async () => {
  db = await isolatedDatabase();
  empty = await isolatedDatabase({ migrated: false });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = buildServer({ pool: db.pool });
  await app.listen({ host: '127.0.0.1', port });
  smtp = new SMTPServer({ secure: false, disabledCommands: ['STARTTLS', 'AUTH'], logger: false });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await db?.drop();
  await empty?.drop();
});

async function doctor(env: Record<string, string>) {
  const r = await runCli(['doctor', '--json'], { TEMPORAL_ADDRESS: inject('temporalAddress'), PUBLIC_BASE_URL: base, ...env }, 90_000);
  const checks = JSON.parse(r.stdout) as Array<{ name: string; status: string; detail: string; fix?: string }>;
  return { code: r.code, stderr: r.stderr, by: Object.fromEntries(checks.map((c) => [c.name, c])) };
}

describe('reachloop doctor', () => {
  it('a sound installation: every check ok or a warning, exit 0', async () => {
    const r = await doctor({ DATABASE_URL: db.url, EMAIL_PROVIDER: 'smtp', SMTP_URL: smtpUrl, REACHLOOP_SIGNING_SECRET: 'a-signing-secret-of-32-characters' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.by.configuration!.status).toBe('ok');
    expect(r.by.postgresql).toMatchObject({ status: 'ok', detail: 'reachable; every migration applied' });
    expect(r.by.temporal!.status).toBe('ok');
    expect(r.by.email!.status).toBe('ok');
    expect(r.by['signing secret']!.status).toBe('ok');
    expect(r.by['data keys']!.status).toBe('ok'); // the run's keys, in the environment
    expect(r.by.sms).toMatchObject({ status: 'warn' }); // the sandbox
    expect(r.by['webhook url']).toMatchObject({ status: 'warn', detail: expect.stringContaining('answers (from this machine only)') });
  });

  it('names each problem with its fix, and exits 1', async () => {
    const r = await doctor({
      DATABASE_URL: empty.url,
      EMAIL_PROVIDER: 'smtp',
      SMTP_URL: 'smtp://127.0.0.1:1',
      TEMPORAL_NAMESPACE: 'no-such-namespace',
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'x'.repeat(32),
      TWILIO_FROM: '+15005550006',
      TWILIO_API_BASE: 'http://127.0.0.1:1',
      REACHLOOP_DATA_KEYS: '',
      REACHLOOP_LOOKUP_KEY: '',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/check\(s\) failed/);
    expect(r.by.postgresql).toMatchObject({ status: 'fail', fix: expect.stringContaining('reachloop migrate') });
    expect(r.by.postgresql!.detail).toMatch(/migration\(s\) not applied: 0001_foundation.sql/);
    expect(r.by.temporal).toMatchObject({ status: 'fail', detail: expect.stringContaining('no-such-namespace') });
    expect(r.by.email).toMatchObject({ status: 'fail', fix: expect.stringContaining('SMTP_URL') });
    expect(r.by.sms).toMatchObject({ status: 'fail', fix: expect.stringContaining('TWILIO_AUTH_TOKEN') });
    expect(r.by['signing secret']!.status).toBe('warn');
    expect(r.by['data keys']).toMatchObject({ status: 'warn', fix: expect.stringContaining('REACHLOOP_DATA_KEYS') });
    // Twilio cannot call back a local address.
    expect(r.by['webhook url']).toMatchObject({ status: 'fail', fix: expect.stringContaining('PUBLIC_BASE_URL') });
  });

  it('an invalid configuration is one failing check naming the variable', async () => {
    const r = await doctor({ DATABASE_URL: db.url, HTTP_PORT: 'eighty' });
    expect(r.code).toBe(1);
    expect(r.by.configuration).toMatchObject({ status: 'fail', detail: expect.stringContaining('HTTP_PORT') });
  });
});
