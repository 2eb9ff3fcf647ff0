// channels/smtp.ts through nodemailer to a real SMTP server on loopback (smtp-server), the
// received message parsed with mailparser: both parts, RFC 8058 headers, Message-ID, and how
// SMTP replies map to returned vs thrown failures.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerError } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OutboundEmail } from '../../channels/email';
import { ChannelConfigError, TransientChannelError } from '../../channels/errors';
import { createSmtpSender } from '../../channels/smtp';

const user = 'reachloop';
const pass = randomBytes(12).toString('hex');
const FROM = '"Brand" <news@brand.example>';

let server: SMTPServer;
let port: number;
let received: Array<{ rcpt: string[]; mail: ParsedMail; raw: string }> = [];

const smtpError = (message: string, responseCode: number): SMTPServerError => Object.assign(new Error(message), { responseCode });

beforeAll(async () => {
  server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === pass) return cb(null, { user });
      cb(smtpError('Authentication credentials invalid', 535));
    },
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith('nobody@')) return cb(smtpError('5.1.1 No such user here', 550));
      if (address.address.startsWith('busy@')) return cb(smtpError('4.3.2 Service not available, try later', 421));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (mail) => {
            received.push({ rcpt: session.envelope.rcptTo.map((r) => r.address), mail, raw });
            cb(null, 'queued as TEST1');
          },
          (err: Error) => cb(err),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received = [];
});

const sender = (password = pass) => createSmtpSender({ url: `smtp://${user}:${password}@127.0.0.1:${port}`, from: FROM, timeoutMs: 5_000 });

const email = (to: string, over: Partial<OutboundEmail> = {}): OutboundEmail => ({
  to,
  subject: 'Spring offer',
  text: 'Hello Ana, 20% off this week.',
  html: '<p>Hello Ana, <b>20% off</b> this week.</p>',
  unsubscribe: { url: 'https://reach.example/unsubscribe/abc.def', mailto: 'mailto:unsubscribe@brand.example?subject=unsubscribe%20abc.def' },
  ledgerId: 'ledger-42',
  ...over,
});

describe('SMTP sender', () => {
  it('delivers text + HTML with RFC 8058 one-click headers and a Message-ID from the ledger id', async () => {
    const s = sender();
    const result = await s.send(email('ana@example.org'));
    s.close();
    expect(result).toEqual({ ok: true, messageId: '<rl-ledger-42@brand.example>', response: expect.stringContaining('250') });

    expect(received).toHaveLength(1);
    const { mail, rcpt, raw } = received[0]!;
    expect(rcpt).toEqual(['ana@example.org']);
    expect(mail.messageId).toBe('<rl-ledger-42@brand.example>');
    expect(mail.subject).toBe('Spring offer');
    expect(mail.from?.value[0]).toMatchObject({ address: 'news@brand.example', name: 'Brand' });
    expect(mail.text?.trim()).toBe('Hello Ana, 20% off this week.');
    expect(mail.html).toContain('<b>20% off</b>');
    expect(raw).toMatch(/Content-Type: multipart\/alternative/i);

    const header = (name: string) =>
      mail.headerLines.find((h) => h.key === name)?.line.replace(/\r?\n[ \t]+/g, ' ').replace(/^[^:]+:\s*/, '');
    expect(header('list-unsubscribe')).toBe('<https://reach.example/unsubscribe/abc.def>, <mailto:unsubscribe@brand.example?subject=unsubscribe%20abc.def>');
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
  });

  it('leaves the unsubscribe headers out of transactional mail, and keeps the Message-ID stable across retries', async () => {
    const s = sender();
    const a = await s.send(email('ana@example.org', { unsubscribe: null, ledgerId: 'L 7/β' }));
    const b = await s.send(email('ana@example.org', { unsubscribe: null, ledgerId: 'L 7/β' }));
    s.close();
    expect(a.ok && b.ok && a.messageId === b.messageId).toBe(true);
    expect(a).toMatchObject({ messageId: expect.stringMatching(/^<rl-[0-9a-f]+@brand\.example>$/) });
    expect(received[0]!.mail.headers.has('list-unsubscribe')).toBe(false);
  });

  it('returns a 550 recipient rejection typed', async () => {
    const s = sender();
    const result = await s.send(email('nobody@example.org'));
    s.close();
    expect(result).toMatchObject({ ok: false, permanent: true, code: 550, message: expect.stringContaining('No such user') });
    expect(received).toEqual([]);
  });

  it('throws a 421 as transient', async () => {
    const s = sender();
    const err = await s.send(email('busy@example.org')).catch((e: unknown) => e);
    s.close();
    expect(err).toBeInstanceOf(TransientChannelError);
    expect((err as TransientChannelError).details).toMatchObject({ providerCode: 421, maybeAccepted: false });
    expect(err).not.toBeInstanceOf(ApplicationFailure);
  });

  it('throws wrong credentials as a non-retryable configuration error', async () => {
    const s = sender('wrong-password');
    const err = await s.send(email('ana@example.org')).catch((e: unknown) => e);
    s.close();
    expect(err).toBeInstanceOf(ChannelConfigError);
    expect(err).toMatchObject({ nonRetryable: true, channel: 'email' });
  });

  it('throws a refused connection as transient, known not sent', async () => {
    const closed = new SMTPServer({ logger: false });
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const s = createSmtpSender({ url: `smtp://127.0.0.1:${closedPort}`, from: FROM, timeoutMs: 2_000 });
    const err = await s.send(email('ana@example.org')).catch((e: unknown) => e);
    s.close();
    expect(err).toBeInstanceOf(TransientChannelError);
    expect((err as TransientChannelError).maybeAccepted).toBe(false);
  });
});
