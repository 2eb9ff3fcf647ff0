import { createPacer } from '../activities/pacing';
import { withLookupCache } from '../channels/cached-lookup';
import type { NumberLookup } from '../channels/number-lookup';
import { createNumberingPlanLookup } from '../channels/numbering-plan-lookup';
import { createTwilioLookup } from '../channels/twilio-lookup';
import { pgLookupCache } from '../db/lookup-cache';
import type { Pool } from '../db/pool';
import type { Channels } from './channels';
import type { Config } from './config';

/**
 * The worker's number lookup, as LOOKUP_PROVIDER says:
 *   twilio  Twilio Lookup v2 through the twilio library (TWILIO_API_BASE applies), one pacer per
 *           process (LOOKUP_RATE_PER_SECOND), answers cached per number in PostgreSQL (LOOKUP_CACHE_TTL)
 *   sandbox the same provider against the local Twilio-shaped server this worker runs, whose
 *           scripted rules decide (Line Status on; free, so neither paced nor cached)
 *   none    the numbering plan only (channels/numbering-plan-lookup.ts)
 */
export function createNumberLookup(config: Config, channels: Pick<Channels, 'twilioSandbox' | 'twilioAuthToken'>, pool: Pool): NumberLookup {
  const l = config.lookup;
  if (l.provider === 'none') return createNumberingPlanLookup();
  if (l.provider === 'sandbox') {
    const sandbox = channels.twilioSandbox;
    if (!sandbox || !channels.twilioAuthToken) throw new Error('LOOKUP_PROVIDER=sandbox needs the local Twilio-shaped server (SMS_PROVIDER=sandbox)');
    return createTwilioLookup({ name: 'sandbox', accountSid: sandbox.accountSid, authToken: channels.twilioAuthToken, apiBase: sandbox.url, lineStatus: true });
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
