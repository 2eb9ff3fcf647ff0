import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { calibrationQuantiles, DEFAULT_SHARES, proposeThresholds, type Proposal } from '../../core/calibrate';
import { CURRENT_SCORE_POLICY, SCORE_POLICIES } from '../../core/score-policy';
import { countAtLeast, scoreQuantiles, tierDistribution, type TierDistribution } from '../../db/tiers';
import { CliError, emit, UsageError, type GlobalOptions } from '../cli-kit';
import { withPool } from '../session';

interface TiersFlags extends GlobalOptions {
  calibrate?: boolean;
  aShare: string;
  bShare: string;
  out?: string;
}

interface Calibration extends Proposal {
  basedOn: { policyVersion: string; contacts: number; shares: { A: number; B: number } };
  /** Contacts of tiers A-C at or above each proposed minimum (score alone; A's and B's other conditions keep some out). */
  byScoreAlone: { A: number; B: number };
  written: string | null;
}

interface TiersReport {
  distribution: TierDistribution;
  calibration?: Calibration;
}

/** `reachloop audience tiers`: registered under `audience` by client/commands/audience.ts. */
export function registerTiers(audience: Command): void {
  audience
    .command('tiers')
    .description("the audience by tier with each tier's score range; --calibrate proposes thresholds as a new score policy version")
    .option('--calibrate', "propose A's and B's minimum score from the audience's own score quantiles, as a new policy version")
    .option('--a-share <fraction>', 'with --calibrate: the share of the reachable audience (tiers A-C) to score at or above A', String(DEFAULT_SHARES.a))
    .option('--b-share <fraction>', 'with --calibrate: the share of it to score between B and A', String(DEFAULT_SHARES.b))
    .option('--out <file>', 'with --calibrate: write the proposed policy to this new file (default: print it)')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      `
Tiers (score policy ${CURRENT_SCORE_POLICY.version}): A reachable, active, high-value (SMS, weekly);
B reachable with commercial value (e-mail, every two weeks); C the rest that can be reached
(monthly); D unreachable, complained or risky (no contact). Scores are the stored ones; the
versions that computed them are listed (a contact is re-scored by its next import or event).

--calibrate reads the stored scores of the contacts in tiers A-C scored with the current policy
and proposes A.minScore at the top --a-share of them and B.minScore at the next --b-share, every
other weight and condition kept, as the next policy version. Nothing is changed: the proposal is
printed (or written with --out, never over an existing file) for review and publishing.

Examples:
  reachloop audience tiers
  reachloop audience tiers --calibrate --a-share 0.03 --b-share 0.2 --out score-policy.v3.json`,
    )
    .action(async (flags: TiersFlags) => runTiers(flags));
}

function sharesOf(flags: TiersFlags): { a: number; b: number } {
  const shares = { a: Number(flags.aShare), b: Number(flags.bShare) };
  try {
    calibrationQuantiles(shares);
  } catch (err) {
    throw new UsageError(`--a-share and --b-share: ${(err as Error).message}`);
  }
  return shares;
}

async function runTiers(flags: TiersFlags): Promise<void> {
  if (!flags.calibrate && flags.out) throw new UsageError('--out goes with --calibrate');
  const shares = flags.calibrate ? sharesOf(flags) : null;
  if (flags.out && existsSync(flags.out)) throw new UsageError(`--out ${flags.out} exists: a policy version is never overwritten; name a new file`);
  await withPool(async (pool) => {
    const report: TiersReport = { distribution: await tierDistribution(pool) };
    if (shares) {
      const base = CURRENT_SCORE_POLICY;
      const { population, scores } = await scoreQuantiles(pool, base.version, calibrationQuantiles(shares));
      if (population === 0) throw new CliError(`no contacts in tiers A-C are scored with ${base.version}: import or re-score the audience first`);
      const proposal = proposeThresholds({ base, published: [...SCORE_POLICIES.keys()], shares, population, scores: [scores[0]!, scores[1]!], on: new Date().toISOString().slice(0, 10) });
      const byScoreAlone = await countAtLeast(pool, base.version, proposal.thresholds.A.to, proposal.thresholds.B.to);
      if (flags.out) writeFileSync(flags.out, `${JSON.stringify(proposal.policy, null, 2)}\n`, { flag: 'wx' });
      report.calibration = {
        ...proposal,
        basedOn: { policyVersion: base.version, contacts: population, shares: { A: shares.a, B: shares.b } },
        byScoreAlone: { A: byScoreAlone.a, B: byScoreAlone.b },
        written: flags.out ?? null,
      };
    }
    emit(report, flags, renderTiers);
  });
}

const n = (x: number) => x.toLocaleString('en-US');
const cell = (x: number | null, w: number) => (x === null ? '-' : String(x)).padStart(w);

export function renderTiers(r: TiersReport): string {
  const d = r.distribution;
  const versions = Object.entries(d.byPolicyVersion).map(([v, k]) => `${v} ${n(k)}`).join(', ');
  const lines = [
    `tiers of ${n(d.total)} contacts (scored with ${versions || '-'})`,
    `  tier  contacts   share   e-mail    score: min  p10  median  p90  max`,
    ...(['A', 'B', 'C', 'D'] as const).map((t) => {
      const s = d.tiers[t];
      const share = d.total ? `${((100 * s.count) / d.total).toFixed(1)}%` : '-';
      return `  ${t}  ${n(s.count).padStart(10)}  ${share.padStart(6)}  ${n(s.withEmail).padStart(7)}   ${cell(s.min, 10)} ${cell(s.p10, 4)} ${cell(s.median, 7)} ${cell(s.p90, 4)} ${cell(s.max, 4)}`;
    }),
  ];
  const c = r.calibration;
  if (c) {
    const pct = (x: number) => `${+(x * 100).toFixed(2)}%`;
    lines.push(
      '',
      `proposed ${c.version} from the stored scores of ${n(c.basedOn.contacts)} contacts in tiers A-C (${c.basedOn.policyVersion}):`,
      `  A.minScore ${c.thresholds.A.from} -> ${c.thresholds.A.to} (top ${pct(c.basedOn.shares.A)}; ${n(c.byScoreAlone.A)} score at or above it)`,
      `  B.minScore ${c.thresholds.B.from} -> ${c.thresholds.B.to} (next ${pct(c.basedOn.shares.B)}; ${n(c.byScoreAlone.B)} score at or above it)`,
      `  by score alone: A's and B's other conditions (activity, commercial points, order value, line type) still apply`,
      c.written ? `written to ${c.written}: review it, then publish it as core/policy/${c.version}.json` : JSON.stringify(c.policy, null, 2),
    );
  }
  return lines.join('\n');
}
