import { describe, expect, it } from 'vitest';
import { calibrationQuantiles, proposeThresholds, type CalibrationBasis } from '../../core/calibrate';
import { SCORE_POLICIES, SCORE_POLICY_V1, SCORE_POLICY_V2 } from '../../core/score-policy';

const basis = (patch: Partial<CalibrationBasis> = {}): CalibrationBasis => ({
  base: SCORE_POLICY_V2,
  published: [...SCORE_POLICIES.keys()],
  shares: { a: 0.05, b: 0.25 },
  population: 1_000,
  scores: [104, 71],
  on: '2026-12-07',
  ...patch,
});

describe('calibrationQuantiles', () => {
  it.each<[number, number, [number, number]]>([
    [0.05, 0.25, [0.95, 0.7]],
    [0.01, 0.1, [0.99, 0.89]],
    [0.3, 0.3, [0.7, 0.4]],
  ])('A %d, B %d -> %j', (a, b, want) => expect(calibrationQuantiles({ a, b })).toEqual(want));
  it.each<[number, number]>([
    [0, 0.2],
    [0.2, 0],
    [0.5, 0.5],
    [-0.1, 0.2],
    [Number.NaN, 0.2],
  ])('refuses A %d, B %d', (a, b) => expect(() => calibrationQuantiles({ a, b })).toThrow(/above 0 and add up to less than 1/));
});

describe('proposeThresholds', () => {
  it('sets A and B at the quantile scores as the next version, everything else kept', () => {
    const p = proposeThresholds(basis());
    expect(p.version).toBe('score-policy.v3');
    expect(p.thresholds).toEqual({ A: { from: 95, to: 104 }, B: { from: 68, to: 71 } });
    expect(p.policy.tiers.A.minScore).toBe(104);
    expect(p.policy.tiers.B.minScore).toBe(71);
    expect({ ...p.policy, version: '', description: '', tiers: { ...p.policy.tiers, A: { ...p.policy.tiers.A, minScore: 0 }, B: { ...p.policy.tiers.B, minScore: 0 } } }).toEqual({
      ...SCORE_POLICY_V2,
      version: '',
      description: '',
      tiers: { ...SCORE_POLICY_V2.tiers, A: { ...SCORE_POLICY_V2.tiers.A, minScore: 0 }, B: { ...SCORE_POLICY_V2.tiers.B, minScore: 0 } },
    });
    expect(p.policy.description).toMatch(/Calibrated on 2026-12-07 from score-policy\.v2: the stored scores of 1000 contacts .* top 5% \(95 -> 104\) .* next 25% \(68 -> 71\)/);
  });
  it('never reuses a published number, whatever the base', () => {
    expect(proposeThresholds(basis({ base: SCORE_POLICY_V1 })).version).toBe('score-policy.v3');
    expect(proposeThresholds(basis({ published: ['score-policy.v1', 'score-policy.v7'] })).version).toBe('score-policy.v8');
  });
  it('does not touch the base policy', () => {
    const before = structuredClone(SCORE_POLICY_V2);
    proposeThresholds(basis());
    expect(SCORE_POLICY_V2).toEqual(before);
  });
  it('ties (A at B) are valid; nothing to calibrate on is an error', () => {
    expect(proposeThresholds(basis({ scores: [70, 70] })).policy.tiers.A.minScore).toBe(70);
    expect(() => proposeThresholds(basis({ population: 0 }))).toThrow(/no contacts in tiers A-C are scored with score-policy\.v2/);
  });
});
