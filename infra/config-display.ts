import type { Config } from './config';

// How configuration is printed (`reachloop config`, error messages): secrets masked.

/** Replaces the password of a URL with ***, for printing. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '***';
  }
}

export function maskSecret(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.length <= 4 ? '***' : `***${value.slice(-4)}`;
}

/** The effective configuration as printed by `reachloop config`: secrets masked. */
export function describeConfig(config: Config): Record<string, unknown> {
  const sms =
    config.sms.provider === 'twilio'
      ? { ...config.sms, authToken: maskSecret(config.sms.authToken) }
      : config.sms;
  const email = config.email.provider === 'smtp' ? { ...config.email, url: maskUrl(config.email.url) } : config.email;
  return {
    stateDir: config.stateDir,
    temporal: { ...config.temporal, address: config.temporal.address ?? '(embedded dev server)' },
    database: config.databaseUrl ? maskUrl(config.databaseUrl) : '(embedded PostgreSQL)',
    sms,
    email,
    lookup: config.lookup.provider === 'twilio' ? { ...config.lookup, authToken: maskSecret(config.lookup.authToken) } : config.lookup,
    http: config.http,
    keywordReplies: config.keywordReplies,
    signingSecret: config.signingSecret ? maskSecret(config.signingSecret) : '(generated under the state folder)',
    dataKeys: config.dataKeys
      ? { ids: config.dataKeys.keys.map((k) => k.id), active: config.dataKeys.activeId, keys: '***', lookupKey: '***' }
      : '(generated under the state folder)',
    brand: config.brand,
    recovery: config.recovery,
    sendLeaseMs: config.sendLeaseMs,
    sentSweepAfterMs: config.sentSweepAfterMs,
    sentSweepGiveUpMs: config.sentSweepGiveUpMs,
    events: { apiToken: config.events.apiToken ? `${maskSecret(config.events.apiToken)} (deprecated: events:write and messages:send only)` : '(unset: tokens of `reachloop token create` only)', rulesFile: config.events.rulesFile ?? '(built-in rules)' },
    complaintToken: config.complaintToken ? maskSecret(config.complaintToken) : '(unset: the complaint webhooks answer 401)',
    logLevel: config.logLevel,
  };
}
