/**
 * Tallies what the Twilio-shaped sandbox received during a benchmark without letting it grow:
 * every `everyMs` the recorded messages are read and cleared in one synchronous step (no request
 * can land in between), and only the destination and acceptance time of each are kept, per
 * campaign (recognised by the brand the body starts with). Clearing also cancels the scripted
 * status callbacks, which the benchmark defers anyway (they exercise the webhook server, not
 * the send path).
 */
import type { TwilioSandbox } from '../sandbox/twilio-server';

export interface Tally {
  to: string[];
  acceptedAt: number[];
}

export function tallySink(sink: TwilioSandbox, brands: readonly string[], everyMs = 250) {
  const per = new Map<string, Tally>(brands.map((b) => [b, { to: [], acceptedAt: [] }]));
  let total = 0;
  let unknown = 0;
  const drain = () => {
    const messages = sink.messages({ direction: 'outbound-api' });
    sink.clear();
    for (const m of messages) {
      total++;
      const brand = brands.find((b) => m.body.startsWith(b));
      const t = brand ? per.get(brand)! : undefined;
      if (!t) {
        unknown++;
        continue;
      }
      t.to.push(m.to);
      t.acceptedAt.push(Date.parse(m.createdAt));
    }
  };
  const timer = setInterval(drain, everyMs);
  return {
    /** Messages received so far (as of the last drain). */
    total: () => total,
    unknown: () => unknown,
    of: (brand: string) => {
      drain();
      return per.get(brand)!;
    },
    stop: () => {
      clearInterval(timer);
      drain();
    },
  };
}

/** Status callbacks of every message after an hour: never during a benchmark run. */
export const DEFER_CALLBACKS = [{ delaysMs: { queued: 3_600_000, sent: 3_600_000, final: 3_600_000 } }];
