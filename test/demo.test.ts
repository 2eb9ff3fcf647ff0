import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/harness';

// README's first command: `npx reachloop demo` on the embedded default, in a fresh state folder
// (its own Temporal dev server, embedded PostgreSQL, worker, HTTP server and sandbox channels).
const state = mkdtempSync(path.join(os.tmpdir(), 'reachloop-demo-'));
chmodSync(state, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
afterAll(() => rmSync(state, { recursive: true, force: true }));

describe('reachloop demo', () => {
  it('imports a sample audience, runs the campaign, and closes the feedback loop through the webhooks', async () => {
    const r = await runCli(['demo', '--rows', '800', '--json'], { REACHLOOP_STATE_DIR: state, HTTP_PORT: undefined, LOG_LEVEL: undefined }, 240_000);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.import.rowsRead).toBe(800);
    expect(out.import.accepted).toBeGreaterThan(500);
    // The customers' events (issue 20): the audience falls into all four tiers, A the smallest
    // reachable group, tier B (e-mail every two weeks) reachable by e-mail.
    expect(out.events.stored).toBeGreaterThan(500);
    const tiers = out.tiers.tiers as Record<'A' | 'B' | 'C' | 'D', { count: number; withEmail: number }>;
    console.log(`demo audience: ${(['A', 'B', 'C', 'D'] as const).map((t) => `${t} ${tiers[t].count}`).join(', ')}`);
    for (const t of ['A', 'B', 'C', 'D'] as const) expect(tiers[t].count, t).toBeGreaterThan(0);
    expect(tiers.A.count).toBeLessThan(tiers.B.count);
    expect(tiers.A.count).toBeLessThan(tiers.C.count);
    expect(tiers.B.withEmail / tiers.B.count).toBeGreaterThan(0.8);
    // Under the contact policy: every recipient sent, skipped, or deferred to their next opening.
    const states = out.progress.byState as Record<string, number>;
    expect(out.progress.planned).toBeGreaterThan(0);
    expect(out.progress.dueNow).toBe(0);
    expect(Object.keys(states).every((k) => ['sent', 'skipped', 'deferred', 'failed'].includes(k))).toBe(true);
    if (states.deferred) expect(Date.parse(out.progress.nextAt)).toBeGreaterThan(Date.now() - 60_000);
    const sent = Object.values(out.campaign.sentByChannel as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(sent).toBe(states.sent ?? 0);
    // A demo audience spans every zone of the day: at any hour someone is in their window.
    expect(sent).toBeGreaterThan(0);
    // Every message got its final status back through the signed status callbacks.
    expect(out.feedback.pending).toBe(0);
    const outcomes = out.feedback.outcomes as Record<string, number>;
    expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(sent);
    expect(outcomes.delivered).toBeGreaterThan(0);
    // The scripted handsets: numbers ending 13 fail with 30003, 66 answer STOP.
    expect(Object.keys(outcomes).every((k) => ['delivered', 'undelivered:30003', 'undelivered:30007', 'email:sent'].includes(k))).toBe(true);
    // Tier B is reached by e-mail (the tier strategy's lighter touch).
    if (out.progress.sentByTier.B) expect(outcomes['email:sent']).toBeGreaterThan(0);
    // Approved through the approval signal, as `reachloop campaign approve` does.
    expect(out.approvedBy).toBe('demo');
    expect(out.campaign.approvedBy).toBe('demo');
    // Deferred recipients are listed by zone, until their opening in local time and UTC.
    const deferredListed = (out.deferred as Array<{ count: number; untilUtc: string; untilLocal: string }>).reduce((n, d) => n + d.count, 0);
    if (states.deferred) expect(deferredListed).toBeGreaterThan(0);
    for (const d of out.deferred) expect(d.untilLocal).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    // The campaign report agrees with the ledger, and its HTML file was written.
    expect(out.report.funnel.delivered).toBe(outcomes.delivered);
    expect(existsSync(out.reportHtml)).toBe(true);
  }, 300_000);
});
