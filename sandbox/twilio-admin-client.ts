/**
 * Client of the Twilio sandbox's admin API, for the CLI (`reachloop sandbox messages`,
 * `reachloop sandbox reply`) and scripts driving a sandbox in another process.
 */
import type { ReplyResult, SandboxMessage, SandboxRule } from './twilio-server';

export interface SandboxAdminClient {
  messages(filter?: { to?: string; direction?: SandboxMessage['direction'] }): Promise<SandboxMessage[]>;
  reply(input: { from: string; to?: string; body: string }): Promise<ReplyResult>;
  rules(): Promise<SandboxRule[]>;
  setRules(rules: readonly SandboxRule[]): Promise<SandboxRule[]>;
  clear(): Promise<void>;
}

export function sandboxAdminClient(options: { url: string; accountSid: string; authToken: string }): SandboxAdminClient {
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(new URL(path, options.url), {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as T & { message?: string; code?: number };
    if (!res.ok) throw new Error(`Twilio sandbox ${method} ${path}: ${json.message ?? res.statusText} (code ${json.code ?? res.status})`);
    return json;
  }
  return {
    async messages(filter = {}) {
      const q = new URLSearchParams();
      if (filter.to) q.set('to', filter.to);
      if (filter.direction) q.set('direction', filter.direction);
      const qs = q.toString();
      return (await call<{ messages: SandboxMessage[] }>('GET', `/_sandbox/messages${qs ? `?${qs}` : ''}`)).messages;
    },
    reply: (input) => call<ReplyResult>('POST', '/_sandbox/reply', input),
    rules: async () => (await call<{ rules: SandboxRule[] }>('GET', '/_sandbox/rules')).rules,
    setRules: async (rules) => (await call<{ rules: SandboxRule[] }>('PUT', '/_sandbox/rules', { rules })).rules,
    clear: async () => {
      await call('DELETE', '/_sandbox/messages');
    },
  };
}
