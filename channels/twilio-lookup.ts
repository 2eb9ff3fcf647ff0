/**
 * NumberLookup on Twilio's Lookup v2 API through the real `twilio` library:
 * client.lookups.v2.phoneNumbers(e164).fetch({ fields: 'line_type_intelligence' }) per number
 * (Lookup has no batch endpoint), `line_status` added when the account has that package.
 * Against Twilio, or the local Twilio-shaped server when `apiBase` (TWILIO_API_BASE) is set: the
 * same client as the SMS sender (createTwilioClient), which rebases lookups.twilio.com too.
 *
 * Requests go out at most `concurrency` at a time and no faster than the pacer lets them (one
 * pacer per process, shared by every activity: LOOKUP_RATE_PER_SECOND).
 * Failures: wrong credentials or a package the account lacks (60606) are configuration errors
 * (non-retryable); 429, 5xx and network errors are thrown transient, so the activity retries the
 * batch (numbers already answered come from the cache then); a 4xx about one number answers
 * `unknown` for it, which never overrides a known status.
 */
import twilio from 'twilio';
import { maskPhone } from '../core/mask';
import { ChannelConfigError, TransientChannelError } from './errors';
import type { LookupAnswer, NumberLookup } from './number-lookup';
import { createTwilioClient } from './twilio';
import { answerFromTwilio } from './twilio-lookup-answer';

/** Spaces out requests: take() resolves when the next one may go. */
export interface Pacer {
  take(): Promise<void>;
}

export interface TwilioLookupOptions {
  accountSid: string;
  authToken: string;
  /** Base URL replacing https://lookups.twilio.com, e.g. the local Twilio-shaped server. */
  apiBase?: string;
  /** Also ask Lookup's Line Status package (active / inactive / unreachable). */
  lineStatus?: boolean;
  /** Requests in flight at most (default 8). */
  concurrency?: number;
  pacer?: Pacer;
  timeoutMs?: number;
  /** Provider name recorded with each answer (number_checks.lookup, the cache). */
  name?: string;
}

/** Lookup package not enabled on the account. */
const PACKAGE_NOT_ENABLED = 60606;

const NO_PACING: Pacer = { take: async () => {} };

export function createTwilioLookup(options: TwilioLookupOptions): NumberLookup {
  const client = createTwilioClient({ ...options, timeoutMs: options.timeoutMs ?? 10_000 });
  const fields = options.lineStatus ? 'line_type_intelligence,line_status' : 'line_type_intelligence';
  const pacer = options.pacer ?? NO_PACING;
  const concurrency = Math.max(1, options.concurrency ?? 8);

  async function lookupOne(e164: string): Promise<LookupAnswer> {
    await pacer.take();
    try {
      const r = await client.lookups.v2.phoneNumbers(e164).fetch({ fields });
      if (r.lineTypeIntelligence?.errorCode === PACKAGE_NOT_ENABLED || r.lineStatus?.errorCode === PACKAGE_NOT_ENABLED)
        throw new ChannelConfigError('lookup', `Twilio Lookup: a package of "${fields}" is not enabled on this account (error ${PACKAGE_NOT_ENABLED})`, PACKAGE_NOT_ENABLED);
      return answerFromTwilio(r);
    } catch (err) {
      if (err instanceof ChannelConfigError) throw err;
      if (err instanceof twilio.RestException) {
        const code = err.code ?? err.status;
        const what = `Twilio Lookup of ${maskPhone(e164)}: ${err.message || `HTTP ${err.status}`} (code ${code}, HTTP ${err.status})`;
        if (err.status === 401 || err.status === 403) throw new ChannelConfigError('lookup', what, code);
        if (err.status === 429 || err.status >= 500) throw new TransientChannelError('lookup', what, { maybeAccepted: false, providerCode: code, httpStatus: err.status, cause: err });
        return 'unknown';
      }
      const netCode = typeof err === 'object' && err !== null ? String((err as { code?: unknown }).code ?? '') : '';
      throw new TransientChannelError('lookup', `Twilio Lookup of ${maskPhone(e164)}: ${err instanceof Error ? err.message : String(err)}${netCode ? ` (${netCode})` : ''}`, { maybeAccepted: false, cause: err });
    }
  }

  return {
    name: options.name ?? 'twilio',
    checksCarrier: true,
    async lookup(e164s) {
      const answers = new Array<LookupAnswer>(e164s.length);
      let next = 0;
      const worker = async () => {
        while (next < e164s.length) {
          const i = next++;
          answers[i] = await lookupOne(e164s[i]!);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, e164s.length) }, worker));
      return answers;
    },
  };
}
