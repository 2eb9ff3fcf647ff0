import { describe, expect, it } from 'vitest';
import { definitionProblems } from '../helpers/definition-problems';
import { parseCampaign } from '../../core/campaign/definition';
import { journeyGate, journeyOf, nextStepDueAt, type EngagementFacts } from '../../core/campaign/journey';

const SMS = { sms: { en: 'Hi {{name}}, 20% off.' } };
const EMAIL = { email: { en: { subject: 'Still 20% off', text: 'Hi {{name}}.' } } };
const BASE = { name: 'win-back', category: 'marketing', templates: SMS, audience: { tiers: ['A'] } } as const;
const TWO = { ...BASE, exitOn: ['purchase'], steps: [{ id: 's1', channels: { A: 'sms' } }, { id: 's2', waitDays: 3, channels: { A: 'email' }, templates: EMAIL, audience: { noEngagementSinceStep: true } }] };

const problems = definitionProblems;

describe('journeyOf', () => {
  it('a definition without steps is one step, main, with the definition as it is', () => {
    const def = parseCampaign(BASE);
    expect(journeyOf(def)).toEqual([{ id: 'main', def, waitDays: 0, noEngagementSinceStep: false, next: null }]);
  });

  it('each step takes its own channels and templates over the campaign\'s, and names the next', () => {
    const [s1, s2] = journeyOf(parseCampaign(TWO));
    expect([s1!.id, s1!.next, s1!.def.channels, s1!.def.templates]).toEqual(['s1', 's2', { A: 'sms' }, SMS]);
    expect([s2!.id, s2!.next, s2!.waitDays, s2!.noEngagementSinceStep, s2!.def.channels, s2!.def.templates]).toEqual(['s2', null, 3, true, { A: 'email' }, EMAIL]);
    expect(nextStepDueAt(s2!, new Date('2026-12-07T15:00:00Z')).toISOString()).toBe('2026-12-10T15:00:00.000Z');
  });
});

describe('the steps of a definition are checked', () => {
  it.each([
    [{ ...TWO, steps: [TWO.steps[0], { ...TWO.steps[1], waitDays: undefined }] }, 'steps.1.waitDays: needs waitDays (days after the previous step)'],
    [{ ...TWO, steps: [{ ...TWO.steps[0], waitDays: 1 }, TWO.steps[1]] }, 'steps.0.waitDays: the first step starts with the campaign: no waitDays'],
    [{ ...TWO, steps: [TWO.steps[0], { ...TWO.steps[1], id: 's1' }] }, 'steps.1.id: step id s1 is used twice'],
    [{ ...TWO, steps: [TWO.steps[0], { ...TWO.steps[1], templates: undefined }] }, 'steps.1.templates.email: a tier of the audience uses email but there is no email template'],
    [{ ...TWO, holdout: { share: 0.6 } }, 'holdout.share: at most half the audience'],
  ])('%#: %s', (raw, problem) => {
    expect(problems(raw)).toContain(problem);
  });

  it('accepts the two-step win-back', () => {
    expect(problems({ ...TWO, holdout: { share: 0.1 }, exitOn: ['purchase', 'opt_out'] })).toEqual([]);
  });
});

describe('journeyGate: exits first, then engagement when the step asks for none', () => {
  const [, s2] = journeyOf(parseCampaign(TWO));
  const none: EngagementFacts = { purchase: false, click: false, reply: false, optOut: false };
  it.each([
    [none, ['purchase', 'opt_out'], null],
    [{ ...none, purchase: true }, ['purchase'], 'journey_exit:purchase'],
    [{ ...none, purchase: true }, [], 'journey_engaged:order'],
    [{ ...none, optOut: true }, ['opt_out'], 'journey_exit:opt_out'],
    [{ ...none, optOut: true }, [], null],
    [{ ...none, click: true, reply: true }, ['purchase'], 'journey_engaged:click'],
    [{ ...none, reply: true }, ['purchase'], 'journey_engaged:reply'],
  ] as const)('%o with exitOn %o -> %s', (facts, exitOn, rule) => {
    expect(journeyGate(s2!, [...exitOn], facts)?.rule ?? null).toBe(rule);
  });

  it('a step that does not ask for no engagement only applies the exits', () => {
    const plain = { ...s2!, noEngagementSinceStep: false };
    expect(journeyGate(plain, ['purchase'], { ...none, click: true })).toBeNull();
    expect(journeyGate(plain, ['purchase'], { ...none, purchase: true })?.rule).toBe('journey_exit:purchase');
  });
});
