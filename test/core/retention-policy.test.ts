import { describe, expect, it } from 'vitest';
import policyV1 from '../../core/policy/contact-policy.v1.json' with { type: 'json' };
import { CONTACT_POLICY, ContactPolicyError, parseContactPolicy, RETENTION_KINDS } from '../../core/policy/contact-policy';
import { retentionCutoffs } from '../../core/privacy/retention';
import { PURGES } from '../../db/retention';

// The contact policy's retention section: every kind of row has its days, the loader refuses a
// broken one naming the path, every kind has a purge statement, and cutoffs are days back from now.

const withRetention = (patch: (r: Record<string, unknown>) => void) => {
  const doc = structuredClone(policyV1) as { retention: Record<string, unknown> };
  patch(doc.retention);
  return doc;
};
const problemsOf = (doc: unknown): string[] => {
  try {
    parseContactPolicy(doc, 'test');
    return [];
  } catch (err) {
    return (err as ContactPolicyError).issues as string[];
  }
};

describe('contact policy: retention', () => {
  it('ships a period for every kind of row, raw text of rejected lines 30 days', () => {
    expect(Object.keys(CONTACT_POLICY.retention).filter((k) => k !== 'note').sort()).toEqual([...RETENTION_KINDS].sort());
    expect(CONTACT_POLICY.retention.importRejectsRaw.days).toBe(30);
  });

  it.each([
    ['a period of 0 days', (r: Record<string, any>) => (r.importRejectsRaw.days = 0), 'retention.importRejectsRaw.days: at least 1 day'],
    ['a fraction of a day', (r: Record<string, any>) => (r.events.days = 1.5), 'retention.events.days'],
    ['more than ten years', (r: Record<string, any>) => (r.events.days = 4000), 'retention.events.days: at most 3650 days (ten years)'],
    ['a kind left out', (r: Record<string, any>) => delete r.twilioWebhooks, 'retention.twilioWebhooks'],
    ['an unknown kind', (r: Record<string, any>) => (r.everything = { days: 1, note: 'x' }), 'retention'],
    ['raw rejected text kept half a year and more', (r: Record<string, any>) => (r.eventImportRejectsRaw.days = 181), 'retention.eventImportRejectsRaw.days: the raw text of rejected lines is kept at most 180 days'],
    ['an audit shorter than a year', (r: Record<string, any>) => (r.accessAudit.days = 90), 'retention.accessAudit.days: the access audit is kept at least 365 days'],
  ])('refuses %s', (_what, patch, problem) => {
    const problems = problemsOf(withRetention(patch));
    expect(problems.some((p) => p.startsWith(problem)), problems.join('\n')).toBe(true);
  });

  it('every kind has its purge statement, and only those', () => {
    expect(Object.keys(PURGES).sort()).toEqual([...RETENTION_KINDS].sort());
  });

  it('cutoffs are the days back from now, per kind', () => {
    const now = new Date('2026-12-06T08:00:00Z');
    const cut = retentionCutoffs(CONTACT_POLICY.retention, now);
    expect(cut.map((c) => c.kind)).toEqual([...RETENTION_KINDS]);
    expect(cut.find((c) => c.kind === 'importRejectsRaw')).toEqual({ kind: 'importRejectsRaw', days: 30, before: '2026-11-06T08:00:00.000Z' });
  });
});
