import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxRule } from '../sandbox/twilio-server';
import { seedContactsBulk, type SeedContact } from './helpers/contacts';
import { eventually, startRecoveryStack, type RecoveryStack } from './helpers/recovery-stack';
import { recoveryWorkflowId } from '../workflows/ids';
import { recoveryStatus } from '../workflows/messages/recovery';

// The funnel summary against a generated population with known ground truth: 10,000 contacts,
// of which some changed their number (and confirm, refuse or stay silent when asked), some have
// a dead number and no link to a new one, some only link to a quarantined account, and the rest
// are healthy (a few share an e-mail in a household, a few failed once). The whole funnel runs:
// `recovery scan` (dry run, then for real) -> confirmation SMS through twilio to the local
// Twilio-shaped server -> scripted handsets answer through the signed inbound webhook -> merge,
// suppression or expiry. `recovery funnel --json` must print exactly the ground truth.

const NOW = new Date('2026-11-25T15:00:00Z'); // 10:00 in New York, a Wednesday
const POPULATION = 10_000;
const GROUPS = { confirm: 250, refuse: 150, silent: 100, deadNoLink: 300, quarantinedLink: 50, household: 200, failedOnce: 100 } as const;

const oldNumber = (i: number) => `+1212381${String(i).padStart(4, '0')}`;
const newNumber = (i: number) => `+1212627${String(i).padStart(4, '0')}`;
const householdNumber = (i: number) => `+1212246${String(i).padStart(4, '0')}`;
const healthyNumber = (i: number) => `+1212555${String(i).padStart(4, '0')}`;

interface Person {
  group: keyof typeof GROUPS | 'healthy';
  old: SeedContact;
  /** The customer's newer account (same e-mail), for the groups that have one. */
  newer?: SeedContact;
}

/** The population, deterministic: numbers and e-mails encode who is who. */
function population(): Person[] {
  const people: Person[] = [];
  let n = 0;
  for (const [group, count] of Object.entries(GROUPS) as Array<[keyof typeof GROUPS, number]>) {
    for (let k = 0; k < count; k++, n++) {
      const email = `p${n}@example.com`;
      if (group === 'household') {
        people.push({ group, old: { phone: householdNumber(n), email }, newer: { phone: newNumber(n), email, consent: [] } });
      } else if (group === 'failedOnce') {
        people.push({ group, old: { phone: oldNumber(n), email } });
      } else if (group === 'deadNoLink') {
        people.push({ group, old: { phone: oldNumber(n), email } });
      } else {
        people.push({ group, old: { phone: oldNumber(n), email, name: `P${n}` }, newer: { phone: newNumber(n), email, tier: 'D', consent: [] } });
      }
    }
  }
  const contacts = people.reduce((a, p) => a + 1 + (p.newer ? 1 : 0), 0);
  for (let i = 0; contacts + i < POPULATION; i++) people.push({ group: 'healthy', old: { phone: healthyNumber(i), email: `h${i}@example.org` } });
  return people;
}

const people = population();
const ofGroup = (g: Person['group']) => people.filter((p) => p.group === g);
const rules: SandboxRule[] = [
  ...ofGroup('confirm').map((p) => ({ to: p.newer!.phone, reply: { body: 'Y', afterMs: 20 } })),
  ...ofGroup('refuse').map((p, i) => ({ to: p.newer!.phone, reply: { body: i % 2 ? '退订' : 'STOP', afterMs: 20 } })),
];

let s: RecoveryStack;
const id = new Map<string, number>();

beforeAll(async () => {
  s = await startRecoveryStack({ now: NOW, rules });
  const all = people.flatMap((p) => (p.newer ? [p.old, p.newer] : [p.old]));
  expect(all).toHaveLength(POPULATION);
  const ids = await seedContactsBulk(s.db.pool, all);
  all.forEach((c, i) => id.set(c.phone, ids[i]!));
  const ids_ = (g: Person['group'], which: 'old' | 'newer' = 'old') => ofGroup(g).map((p) => id.get(p[which]!.phone)!);
  const q = (sql: string, contactIds: number[]) => s.db.pool.query(sql, [contactIds]);
  // Customers from years ago; their newer accounts from last month.
  await q(`UPDATE contacts SET first_seen_at = now() - interval '3 years' WHERE id = ANY($1::bigint[])`, people.map((p) => id.get(p.old.phone)!));
  await q(`UPDATE contacts SET first_seen_at = now() - interval '20 days' WHERE id = ANY($1::bigint[])`, people.filter((p) => p.newer).map((p) => id.get(p.newer!.phone)!));
  // How each number died (every detection route of the scan).
  await q(`UPDATE contacts SET activity = '{"consecutiveFailures": 2}', validity = 'unreachable', sms_eligible = false WHERE id = ANY($1::bigint[])`, ids_('confirm'));
  await q(`UPDATE contacts SET validity = 'unreachable' WHERE id = ANY($1::bigint[])`, ids_('refuse'));
  await q(`UPDATE contacts SET number_status = 'empty' WHERE id = ANY($1::bigint[])`, ids_('silent'));
  await q(`UPDATE contacts SET number_status = 'stopped' WHERE id = ANY($1::bigint[])`, ids_('deadNoLink'));
  await q(`UPDATE contacts SET activity = '{"consecutiveFailures": 3}' WHERE id = ANY($1::bigint[])`, ids_('quarantinedLink'));
  await q(`UPDATE contacts SET quarantined = true WHERE id = ANY($1::bigint[])`, ids_('quarantinedLink', 'newer'));
  await q(`UPDATE contacts SET activity = '{"consecutiveFailures": 1}' WHERE id = ANY($1::bigint[])`, ids_('failedOnce'));
}, 120_000);

afterAll(async () => s?.stop());

/** The cases still open, with their workflow's status and last events: what a timeout reports. */
async function stuckCases(stack: RecoveryStack): Promise<string> {
  const { rows } = await stack.db.pool.query(`SELECT id, contact_id, state FROM recovery_cases WHERE state IN ('matched', 'confirmation_sent') ORDER BY id LIMIT 5`);
  const lines = [];
  for (const r of rows) {
    const h = stack.client.workflow.getHandle(recoveryWorkflowId(Number(r.contact_id)));
    const status = await h.query(recoveryStatus).catch((err: Error) => err.message);
    const events = ((await h.fetchHistory()).events ?? []).map((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      const t = e.timerStartedEventAttributes?.startToFireTimeout;
      const to = e.workflowTaskTimedOutEventAttributes?.timeoutType;
      return `${e.eventType}${a ? `:${a.activityType?.name}` : ''}${t ? `:${String(t.seconds)}s` : ''}${to !== undefined && to !== null ? `:timeout${to}` : ''}@${String(e.eventTime?.seconds)}`;
    });
    const ledger = await stack.db.pool.query(`SELECT step, state, provider_id IS NOT NULL AS has_sid FROM send_ledger WHERE step LIKE $1`, [`recovery:${r.id}:%`]);
    lines.push(`case ${r.id} (${r.state}): ${JSON.stringify(status)}; events ${events.join(' ')}; ledger ${JSON.stringify(ledger.rows)}`);
  }
  return lines.join('\n');
}

const truth = {
  detected: GROUPS.confirm + GROUPS.refuse + GROUPS.silent + GROUPS.deadNoLink + GROUPS.quarantinedLink,
  matched: GROUPS.confirm + GROUPS.refuse + GROUPS.silent,
};

describe(`the recovery funnel over ${POPULATION.toLocaleString('en')} contacts with known ground truth`, () => {
  it('a dry run matches without sending; the real scan asks each candidate once; the funnel prints the ground truth', async () => {
    const dry = await s.cli(['recovery', 'scan', '--dry-run', '--json'], 120_000);
    expect(dry.stderr).toBe('');
    expect(JSON.parse(dry.stdout)).toEqual({ dead: truth.detected, casesOpened: truth.detected, matched: truth.matched, workflowsStarted: 0, dryRun: true });
    expect(s.sandbox.messages()).toHaveLength(0);
    // A dry run writes nothing: no case is opened by it.
    expect((await s.db.pool.query('SELECT count(*)::int AS n FROM recovery_cases')).rows[0].n).toBe(0);

    const scan = await s.cli(['recovery', 'scan', '--reply-within', '20s', '--page-size', '400', '--json'], 120_000);
    expect(JSON.parse(scan.stdout)).toEqual({ dead: truth.detected, casesOpened: truth.detected, matched: truth.matched, workflowsStarted: truth.matched, dryRun: false });

    await eventually(
      async () => {
        const { rows } = await s.db.pool.query(`SELECT count(*)::int AS n FROM recovery_cases WHERE state IN ('matched', 'confirmation_sent')`);
        return rows[0].n === 0 ? true : undefined;
      },
      180_000,
      'every case asked to close',
      () => stuckCases(s),
    );
    await s.sandbox.idle();

    const funnel = await s.cli(['recovery', 'funnel', '--json']);
    expect(JSON.parse(funnel.stdout)).toEqual({
      detected: truth.detected,
      matched: truth.matched,
      confirmationSent: truth.matched,
      confirmed: GROUPS.confirm,
      refused: GROUPS.refuse,
      expired: GROUPS.silent,
      cancelled: 0,
      open: GROUPS.deadNoLink + GROUPS.quarantinedLink,
      rates: {
        matched: Math.round((truth.matched / truth.detected) * 10_000) / 10_000,
        confirmationSent: 1,
        confirmed: GROUPS.confirm / truth.matched,
        refused: GROUPS.refuse / truth.matched,
        expired: GROUPS.silent / truth.matched,
      },
    });
    const text = await s.cli(['recovery', 'funnel']);
    expect(text.stdout).toContain(`detected           ${truth.detected}`);
    expect(text.stdout).toContain(`  confirmed        ${GROUPS.confirm}  (50.0% of sent)`);
  }, 420_000); // its own waits allow 2 + 2 + 3 minutes; a shorter limit would cut the stuck-case report short

  it('each person got exactly what the ground truth says', async () => {
    // Who was texted, how often: the matched candidates only; the silent ones one reminder more.
    const sent = new Map<string, number>();
    for (const m of s.sandbox.messages({ direction: 'outbound-api' })) sent.set(m.to, (sent.get(m.to) ?? 0) + 1);
    const expected = new Map<string, number>();
    for (const p of [...ofGroup('confirm'), ...ofGroup('refuse')]) expected.set(p.newer!.phone, 1);
    for (const p of ofGroup('silent')) expected.set(p.newer!.phone, 2);
    expect(sent).toEqual(expected);

    // Confirmed: the old contact is an alias of exactly its own newer account.
    const aliases = await s.db.pool.query('SELECT old_contact_id, contact_id FROM contact_aliases');
    expect(new Map(aliases.rows.map((r) => [Number(r.old_contact_id), Number(r.contact_id)]))).toEqual(
      new Map(ofGroup('confirm').map((p) => [id.get(p.old.phone)!, id.get(p.newer!.phone)!])),
    );
    // Refused: the candidate is opted out of SMS (by its own STOP / 退订 and by the case), nobody else is.
    const optedOut = await s.db.pool.query(`SELECT DISTINCT contact_id FROM suppressions WHERE channel = 'sms' AND kind = 'opt_out'`);
    expect(new Set(optedOut.rows.map((r) => Number(r.contact_id)))).toEqual(new Set(ofGroup('refuse').map((p) => id.get(p.newer!.phone)!)));
    // Unmatched cases say why: no link at all, or only a quarantined account.
    const open = await s.db.pool.query(`SELECT contact_id, excluded FROM recovery_cases WHERE state = 'detected'`);
    const byContact = new Map(open.rows.map((r) => [Number(r.contact_id), r.excluded as Array<{ reason: string }>]));
    for (const p of ofGroup('deadNoLink')) expect(byContact.get(id.get(p.old.phone)!)).toEqual([]);
    for (const p of ofGroup('quarantinedLink')) expect(byContact.get(id.get(p.old.phone)!)).toEqual([expect.objectContaining({ reason: 'quarantined' })]);
    // Nobody healthy, in a household or failed once has a case.
    const cases = await s.db.pool.query('SELECT contact_id FROM recovery_cases');
    const withCase = new Set(cases.rows.map((r) => Number(r.contact_id)));
    for (const p of [...ofGroup('healthy'), ...ofGroup('household'), ...ofGroup('failedOnce')]) expect(withCase.has(id.get(p.old.phone)!)).toBe(false);

    // A second scan asks nobody again.
    const again = await s.cli(['recovery', 'scan', '--json'], 120_000);
    expect(JSON.parse(again.stdout)).toMatchObject({ casesOpened: 0, matched: 0, workflowsStarted: 0 });
  });
});
