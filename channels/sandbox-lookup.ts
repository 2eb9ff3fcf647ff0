import { RuleBook } from '../sandbox/twilio-rules';
import { lookupJson } from '../sandbox/twilio-lookup';
import type { LookupAnswer, NumberLookup } from './number-lookup';
import { answerFromTwilio } from './twilio-lookup-answer';

/**
 * The carrier of the embedded default and tests, in process (no Twilio-shaped server running):
 * the sandbox server's own Lookup answer for the number (sandbox/twilio-lookup.ts, from the
 * scripted rules: 30005 -> dead, 30003 -> unreachable, landline -> landline; an unscripted valid
 * number is a reachable mobile), read through the same mapping as Twilio's (twilio-lookup-answer.ts).
 * Line Status is always on. `overrides` (a test choosing a number's answer) take precedence.
 */
export function createSandboxLookup(
  overrides: Map<string, LookupAnswer> = new Map(),
  rules: RuleBook = new RuleBook(),
): NumberLookup & { overrides: Map<string, LookupAnswer> } {
  return {
    name: 'sandbox',
    checksCarrier: true,
    overrides,
    async lookup(e164s) {
      return e164s.map((n) => overrides.get(n) ?? sandboxAnswer(rules, n));
    },
  };
}

const FIELDS = ['line_type_intelligence', 'line_status'];

function sandboxAnswer(rules: RuleBook, e164: string): LookupAnswer {
  const json = lookupJson(rules, e164, FIELDS);
  if (!json) return 'empty';
  const lti = json.line_type_intelligence as { type: string | null; error_code: number | null } | null;
  const ls = json.line_status as { status: string; error_code: number | null } | null;
  return answerFromTwilio({
    valid: json.valid as boolean,
    lineTypeIntelligence: lti && { type: lti.type, errorCode: lti.error_code },
    lineStatus: ls && { status: ls.status, errorCode: ls.error_code },
  });
}
