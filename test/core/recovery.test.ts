import { describe, expect, it } from 'vitest';
import { confirmationText, interpretRecoveryReply } from '../../core/recovery/confirmation';
import { funnelOf } from '../../core/recovery/funnel';
import { addressKey, combineConfidence, matchCandidates, type CandidateLink } from '../../core/recovery/match';
import { recoveryWindowDelay } from '../../core/recovery/window';
import { accountLastSeen, accountStart, isNewerAccount } from '../../core/recovery/history';
import { hasOptOutInstruction } from '../../core/sms';

const OLD = { id: 1, phoneHash: 'old', firstSeenAt: Date.UTC(2022, 0, 1) };
const newer = Date.UTC(2025, 5, 1);
const link = (over: Partial<CandidateLink>): CandidateLink => ({ contactId: 2, phoneHash: 'new', via: 'same_email', detail: 'email abc', firstSeenAt: newer, ...over });

describe('matchCandidates', () => {
  it.each<[string, CandidateLink[], string | null, number | null]>([
    ['same e-mail on a newer contact', [link({})], 'new', 0.85],
    ['same device on a new account', [link({ via: 'same_device' })], 'new', 0.7],
    ['same address only (a gentle lead)', [link({ via: 'same_address' })], 'new', 0.5],
    ['e-mail and device combine', [link({}), link({ via: 'same_device' })], 'new', 0.955],
    ['self-reported number no contact has', [link({ contactId: null, via: 'self_reported', firstSeenAt: undefined })], 'new', 0.95],
    ['quarantined candidate', [link({ quarantined: true })], null, null],
    ['older contact = another active customer', [link({ firstSeenAt: Date.UTC(2020, 0, 1) })], null, null],
    ['candidate number dead too', [link({ dead: true })], null, null],
    ['candidate opted out', [link({ optedOut: true })], null, null],
    ['candidate holding an erased person\'s address, however strong the evidence', [link({ erased: true }), link({ via: 'same_device', erased: true })], null, null],
    ['an erased person\'s number reported, no contact holding it', [link({ contactId: null, via: 'self_reported', firstSeenAt: undefined, erased: true })], null, null],
    ['the old number itself', [link({ phoneHash: 'old', contactId: 1 })], null, null],
  ])('%s', (_name, links, best, confidence) => {
    const m = matchCandidates(OLD, links);
    expect(m.best?.phoneHash ?? null).toBe(best);
    expect(m.best?.confidence ?? null).toBe(confidence);
    if (!best) expect(m.excluded).toHaveLength(1);
    if (links.some((l) => l.erased)) expect(m.excluded[0]!.reason).toBe('erased');
  });

  it('keeps the strongest number and says why the others were not used', () => {
    const m = matchCandidates(OLD, [link({ via: 'same_address', phoneHash: 'a', contactId: 3 }), link({ phoneHash: 'b', contactId: 4 }), link({ phoneHash: 'c', contactId: 5, quarantined: true })]);
    expect(m.best?.phoneHash).toBe('b');
    expect(m.best?.evidence).toEqual([{ kind: 'same_email', confidence: 0.85, detail: 'email abc' }]);
    expect(m.excluded.map((e) => e.reason).sort()).toEqual(['outranked', 'quarantined']);
  });

  it('combines confidences as independent evidence', () => {
    expect(combineConfidence([0.5, 0.5])).toBe(0.75);
    expect(combineConfidence([])).toBe(0);
  });

  it('folds addresses before hashing', () => {
    expect(addressKey({ line1: '  Room 5, No.18  Jianguo Rd. ', city: 'Beijing', country: 'CN' })).toBe(addressKey({ line1: 'room 5 no 18 jianguo rd', city: 'BEIJING', country: 'cn' }));
  });
});

describe('confirmation text and reply', () => {
  it.each([
    ['zh-CN', '【品牌】回复Y确认此为您的新号码，回复T退订'],
    ['zh-Hant-TW', '【品牌】回覆Y確認此為您的新號碼，回覆T退訂'],
    ['en-US', '[品牌] Reply Y to confirm this is your new number, STOP to opt out'],
    ['fr', '[品牌] Reply Y to confirm this is your new number, STOP to opt out'],
  ])('%s', (lang, text) => {
    const t = confirmationText(lang, '品牌').text;
    expect(t).toBe(text);
    // The refusal path is always printed, with a keyword that classifies as opt-out. (core/sms.ts's
    // detector wants "Reply STOP", so the brief's English wording is not recognised there; the
    // message is sent as written, category transactional, and no footer is appended.)
    const keyword = /STOP|T(?=退)/.exec(t)![0];
    expect(interpretRecoveryReply(keyword).reply).toBe('refuse');
    if (lang.startsWith('zh')) expect(hasOptOutInstruction(t)).toBe(true);
  });

  it.each([
    ['Y', 'confirm'], ['yes', 'confirm'], ['是', 'confirm'], ['确认', 'confirm'],
    ['T', 'refuse'], ['TD', 'refuse'], ['STOP', 'refuse'], ['退订', 'refuse'],
    ['who is this?', 'unclear'], ['Yesterday', 'unclear'],
  ])('%s -> %s', (body, reply) => expect(interpretRecoveryReply(body).reply).toBe(reply));
});

describe('recovery window', () => {
  const sh = { country: 'CN', timeZones: ['Asia/Shanghai'], countryZones: [] };
  it('open at 11:00 Shanghai, deferred to 10:00 from 22:00', () => {
    expect(recoveryWindowDelay(sh, Date.parse('2026-03-10T03:00:00Z'))).toEqual({ delayMs: 0, reason: 'open' });
    const d = recoveryWindowDelay(sh, Date.parse('2026-03-10T14:00:00Z'))!;
    expect(new Date(Date.parse('2026-03-10T14:00:00Z') + d.delayMs).toISOString()).toBe('2026-03-11T02:00:00.000Z');
  });
});

describe('funnelOf', () => {
  it('counts stages and rates', () => {
    const f = funnelOf([
      { state: 'detected', cases: 10, matched: 0, sent: 0 },
      { state: 'confirmed', cases: 6, matched: 6, sent: 6 },
      { state: 'refused', cases: 2, matched: 2, sent: 2 },
      { state: 'expired', cases: 2, matched: 2, sent: 2 },
    ]);
    expect(f).toMatchObject({ detected: 20, matched: 10, confirmationSent: 10, confirmed: 6, refused: 2, expired: 2, open: 10 });
    expect(f.rates).toEqual({ matched: 0.5, confirmationSent: 1, confirmed: 0.6, refused: 0.2, expired: 0.2 });
  });
});

describe('"newer" by the customer\'s own dates (one bulk import: every row entered reachloop at once)', () => {
  const IMPORTED = Date.UTC(2026, 10, 25); // the one import's time, for both
  const d = (iso: string) => Date.parse(iso);
  const old = { id: 1, phoneHash: 'old', firstSeenAt: IMPORTED, registeredAt: d('2021-03-01'), lastOrderAt: d('2025-01-05'), firstOptInAt: d('2021-03-01'), lastOptInAt: d('2021-03-01') };
  const cand = (dates: CandidateLink['dates'], firstSeenAt = IMPORTED) => link({ firstSeenAt, dates });

  it.each<[string, CandidateLink, boolean]>([
    ['a new account registered after the old one\'s last order is asked', cand({ registeredAt: d('2025-03-01') }), true],
    ['so is one whose first order and opt-in come after it', cand({ firstOrderAt: d('2025-02-01'), firstOptInAt: d('2025-02-01') }), true],
    ['orders and consent of its own before the old number\'s last sign of life: another active customer', cand({ registeredAt: d('2025-03-01'), firstOrderAt: d('2023-06-01') }), false],
    ['registered before the old customer\'s last order (two accounts in use at once)', cand({ registeredAt: d('2024-10-01') }), false],
    ['an older household member', cand({ registeredAt: d('2019-01-01'), firstOptInAt: d('2019-01-01') }), false],
    ['no source dates on the candidate: the import time, after every date of the old account', cand({}), true],
  ])('%s', (_name, l, asked) => {
    const m = matchCandidates(old, [l]);
    expect(m.best !== null).toBe(asked);
    if (!asked) expect(m.excluded).toEqual([expect.objectContaining({ reason: 'other_active_customer' })]);
  });

  it('with no source dates on either side, the time of entering reachloop decides (and one import ties: excluded)', () => {
    const bare = { id: 1, phoneHash: 'old', firstSeenAt: IMPORTED };
    expect(matchCandidates(bare, [cand({})]).best).toBeNull();
    expect(matchCandidates(bare, [cand({}, IMPORTED + 86_400_000)]).best).not.toBeNull();
  });

  it('an old account with no source dates against a candidate with a history: its history is older than the old row, excluded', () => {
    expect(matchCandidates({ id: 1, phoneHash: 'old', firstSeenAt: IMPORTED }, [cand({ registeredAt: d('2025-03-01') })]).best).toBeNull();
  });

  it('accountStart and accountLastSeen say which dates they used', () => {
    expect(accountStart({ firstSeenAt: IMPORTED })).toEqual({ at: IMPORTED, by: 'first_seen' });
    expect(accountStart({ firstSeenAt: IMPORTED, firstOrderAt: d('2024-01-01'), registeredAt: d('2023-01-01') })).toEqual({ at: d('2023-01-01'), by: 'source' });
    expect(accountLastSeen(old)).toEqual({ at: d('2025-01-05'), by: 'source' });
    expect(isNewerAccount(old, { firstSeenAt: IMPORTED, registeredAt: d('2025-01-06') })).toBe(true);
  });
});
