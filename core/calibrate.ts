/**
 * Tier thresholds from an audience's own scores (`reachloop audience tiers --calibrate`): A's and
 * B's minimum score at the quantiles that leave a target share of the reachable audience (tiers
 * A-C) above each, proposed as a NEW policy version. A published policy is never edited: the
 * proposal takes the next version number after every shipped one, and is validated like any.
 *
 * Pure: no I/O, no clock (the caller says when and on what the proposal is based).
 */
import { parseScorePolicy, versionNumber, type ScorePolicy } from './score-policy';

/** Default target shares of the reachable audience: A the small top group, B the next. */
export const DEFAULT_SHARES = { a: 0.05, b: 0.25 } as const;

export interface Shares {
  a: number;
  b: number;
}

/** The quantiles whose scores become A's and B's minimum: [A, B]. */
export function calibrationQuantiles(shares: Shares): [number, number] {
  if (!(shares.a > 0 && shares.b > 0 && shares.a + shares.b < 1)) {
    throw new RangeError(`tier shares must be above 0 and add up to less than 1, got A ${shares.a}, B ${shares.b}`);
  }
  return [round4(1 - shares.a), round4(1 - shares.a - shares.b)];
}

export interface CalibrationBasis {
  /** The policy whose scores were read (its weights are kept). */
  base: ScorePolicy;
  /** Every version already published: the proposal takes the next number. */
  published: readonly string[];
  shares: Shares;
  /** Contacts of tiers A-C scored with the base version. */
  population: number;
  /** Their scores at calibrationQuantiles(shares): [A, B]. */
  scores: readonly [number, number];
  /** When (ISO date), for the description. */
  on: string;
}

export interface Proposal {
  version: string;
  thresholds: { A: { from: number; to: number }; B: { from: number; to: number } };
  /** The new policy document, valid (parsed) and ready to be written as JSON. */
  policy: ScorePolicy;
}

export function proposeThresholds(b: CalibrationBasis): Proposal {
  calibrationQuantiles(b.shares);
  if (b.population === 0) throw new RangeError(`no contacts in tiers A-C are scored with ${b.base.version}: nothing to calibrate on`);
  const next = Math.max(...[b.base.version, ...b.published].map(versionNumber)) + 1;
  const version = `score-policy.v${next}`;
  const [a, bScore] = b.scores;
  const t = b.base.tiers;
  const pct = (x: number) => `${round4(x * 100)}%`;
  const doc = structuredClone(b.base);
  doc.version = version;
  doc.description =
    `Calibrated on ${b.on} from ${b.base.version}: the stored scores of ${b.population} contacts in tiers A-C put A.minScore at the top ${pct(b.shares.a)} ` +
    `(${t.A.minScore} -> ${a}) and B.minScore at the next ${pct(b.shares.b)} (${t.B.minScore} -> ${bScore}); every other weight and condition as in ${b.base.version}. ` +
    `Proposed by \`reachloop audience tiers --calibrate\`: review it and publish it as a new file, never over a published one.`;
  doc.tiers.A.minScore = a;
  doc.tiers.B.minScore = bScore;
  return {
    version,
    thresholds: { A: { from: t.A.minScore, to: a }, B: { from: t.B.minScore, to: bScore } },
    policy: parseScorePolicy(doc, `proposed ${version}`),
  };
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
