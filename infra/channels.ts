import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EmailSender } from '../channels/email';
import { createSandboxEmailSender } from '../channels/sandbox-email';
import type { SmsSender } from '../channels/sms';
import { createSmtpSender } from '../channels/smtp';
import { createTwilioSender } from '../channels/twilio';
import { startTwilioSandbox, type TwilioSandbox } from '../sandbox/twilio-server';
import type { Config } from './config';

export interface Channels {
  sms: SmsSender;
  email: EmailSender;
  /** The local Twilio-shaped server, when SMS_PROVIDER=sandbox. */
  twilioSandbox?: TwilioSandbox;
  /** The auth token the sandbox signs its webhooks with, when SMS_PROVIDER=sandbox. */
  twilioAuthToken?: string;
  stop(): Promise<void>;
}

/** Where a running sandbox records its address and credentials, for `reachloop sandbox`. */
export const sandboxFile = (stateDir: string) => path.join(stateDir, 'twilio-sandbox.json');

/** The number the sandbox sends from. */
export const SANDBOX_FROM = '+15005550006';

/**
 * The channels the worker sends through. SMS_PROVIDER=sandbox starts the local Twilio-shaped
 * server in this process and drives it with the real twilio library, exactly as production
 * drives Twilio; EMAIL_PROVIDER=sandbox records e-mails in memory.
 */
export async function startChannels(config: Config, inboundWebhookUrl: string): Promise<Channels> {
  const stops: Array<() => Promise<void>> = [];
  let sms: SmsSender;
  let twilioSandbox: TwilioSandbox | undefined;
  let sandboxAuthToken: string | undefined;
  if (config.sms.provider === 'twilio') {
    sms = createTwilioSender(config.sms);
  } else {
    const authToken = randomBytes(16).toString('hex');
    sandboxAuthToken = authToken;
    twilioSandbox = await startTwilioSandbox({ authToken, host: '127.0.0.1', inboundWebhookUrl, defaultFrom: SANDBOX_FROM });
    sms = createTwilioSender({ accountSid: twilioSandbox.accountSid, authToken, from: SANDBOX_FROM, apiBase: twilioSandbox.url });
    mkdirSync(config.stateDir, { recursive: true });
    const file = sandboxFile(config.stateDir);
    writeFileSync(file, JSON.stringify({ url: twilioSandbox.url, accountSid: twilioSandbox.accountSid, authToken, pid: process.pid }), { mode: 0o600 });
    const sandbox = twilioSandbox;
    stops.push(async () => {
      rmSync(file, { force: true });
      await sandbox.stop();
    });
  }
  let email: EmailSender;
  if (config.email.provider === 'smtp') {
    const smtp = createSmtpSender({ url: config.email.url, from: config.email.from });
    email = smtp;
    stops.push(async () => smtp.close());
  } else email = createSandboxEmailSender(config.email.from);
  return {
    sms,
    email,
    ...(twilioSandbox ? { twilioSandbox, twilioAuthToken: sandboxAuthToken! } : {}),
    stop: async () => {
      for (const stop of stops.reverse()) await stop().catch(() => {});
    },
  };
}

export interface SandboxCredentials {
  url: string;
  accountSid: string;
  authToken: string;
  pid: number;
}

/** The running sandbox's address and credentials (written by the worker that runs it), or undefined. */
export function readSandboxCredentials(stateDir: string): SandboxCredentials | undefined {
  try {
    const rec = JSON.parse(readFileSync(sandboxFile(stateDir), 'utf8')) as SandboxCredentials;
    return typeof rec.url === 'string' && typeof rec.accountSid === 'string' && typeof rec.authToken === 'string' ? rec : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The auth token Twilio webhooks are signed with: TWILIO_AUTH_TOKEN with SMS_PROVIDER=twilio;
 * with the sandbox, that of the sandbox this process runs, else that of the sandbox a worker of
 * the same state folder runs (re-read every second: the worker may have restarted it).
 */
export function webhookAuthToken(config: Config, channels?: Channels): () => string | undefined {
  if (config.sms.provider === 'twilio') {
    const token = config.sms.authToken;
    return () => token;
  }
  const own = channels?.twilioAuthToken;
  if (own) return () => own;
  // Re-read at most once a second: webhooks arrive by the thousand.
  let cached: { token: string | undefined; at: number } | undefined;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > 1_000) cached = { token: readSandboxCredentials(config.stateDir)?.authToken, at: now };
    return cached.token;
  };
}

/** REACHLOOP_SIGNING_SECRET, or one generated once and kept (0600) under the state folder. */
export function signingSecretOf(config: Config): string {
  if (config.signingSecret) return config.signingSecret;
  const file = path.join(config.stateDir, 'signing-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.stateDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
