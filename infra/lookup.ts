import { createPacer } from '../services/pacing';
import { withLookupCache } from '../channels/cached-lookup';
import type { NumberLookup } from '../channels/number-lookup';
import { createNumberingPlanLookup } from '../channels/numbering-plan-lookup';
import { createSandboxLookup } from '../channels/sandbox-lookup';
import { createTwilioLookup } from '../channels/twilio-lookup';
import { pgLookupCache } from '../db/lookup-cache';
import type { Pool } from '../db/pool';
import type { Channels } from './channels';
import type { Config } from './config';

/**
 * The worker's number lookup, as LOOKUP_PROVIDER says:
 *   twilio  Twilio Lookup v2 through the twilio library (TWILIO_API_BASE applies), one pacer per
 *           process (LOOKUP_RATE_PER_SECOND), answers cached per number in PostgreSQL (LOOKUP_CACHE_TTL)
 *   sandbox the local Twilio-shaped server this worker runs: its scripted rules decide, read in
 *           process by the same answer the server's Lookup gives (Line Status on; free, so neither
 *           paced nor cached). A Lookup request per number over HTTP to the process itself had made
 *           a 1M-row import 2.6 times slower (bench/intake.ts: 96 s, worker CPU 133 s).
 *   none    the numbering plan only (channels/numbering-plan-lookup.ts)
 */
export function createNumberLookup(config: Config, channels: Pick<Channels, 'twilioSandbox' | 'twilioAuthToken'>, pool: Pool): NumberLookup {
  const l = config.lookup;
  if (l.provider === 'none') return createNumberingPlanLookup();
  if (l.provider === 'sandbox') {
    const sandbox = channels.twilioSandbox;
    if (!sandbox || !channels.twilioAuthToken) throw new Error('LOOKUP_PROVIDER=sandbox needs the local Twilio-shaped server (SMS_PROVIDER=sandbox)');
    return createSandboxLookup(new Map(), sandbox.ruleBook());
  }
  const twilio = createTwilioLookup({
    accountSid: l.accountSid,
    authToken: l.authToken,
    ...(l.apiBase ? { apiBase: l.apiBase } : {}),
    lineStatus: l.lineStatus,
    concurrency: Math.max(1, Math.min(16, Math.ceil(l.ratePerSecond))),
    pacer: createPacer(l.ratePerSecond),
  });
  return withLookupCache(twilio, { store: pgLookupCache(pool), ttlMs: l.cacheTtlMs });
}
