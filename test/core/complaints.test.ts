import { describe, expect, it } from 'vitest';
import codes from '../fixtures/twilio_error_codes.json';
import { ledgerIdOfMessageId, messageIdFor } from '../../channels/email';
import { addressOf, parseArf } from '../../core/arf';
import { COMPLAINT_ERROR_CODES, complaintEffect, smsComplaintOf } from '../../core/complaints';
import { ERROR_CODES } from '../../core/delivery-outcome';
import { CONTACT_POLICY, parseContactPolicy } from '../../core/policy/contact-policy';
import policyFile from '../../core/policy/contact-policy.v1.json' with { type: 'json' };

describe('smsComplaintOf', () => {
  it.each<[string, boolean, string?]>([
    ['spam', true, 'spam'],
    ['SPAM!!!', true, 'spam'],
    ['This is spam', true, 'spam'],
    ['stop spamming me', true, 'spam'],
    ['ＳＰＡＭ', true, 'spam'], // full-width
    ['report', true, 'report'],
    ['Report.', true, 'report'],
    ['I will report you', true, 'report'],
    ['reported this number', true, 'report'],
    ['going to report this', true, 'report'],
    ['举报', true, '举报'],
    ['再发我就投诉你', true, '投诉'],
    ['骚扰短信', true, '骚扰'],
    ['騷擾', true, '騷擾'],
    ['投訴', true, '投訴'],
    // not complaints
    ['not spam', false],
    ["it's not spam, thanks", false],
    ['can you send me the report', false],
    ['report card looks great', false],
    ['不是骚扰', false],
    ['不会投诉的', false],
    ['STOP', false],
    ['yes please', false],
    ['', false],
    ['spamalot tickets?', false], // a word that only starts with spam
  ])('%j -> %s', (body, complaint, keyword) => {
    const r = smsComplaintOf(body);
    expect(r.complaint).toBe(complaint);
    if (keyword) expect(r.keyword).toBe(keyword);
    expect(r.reason.length).toBeGreaterThan(0);
  });
});

describe('complaint error codes', () => {
  it('30004 (the destination blocks the sender) is a complaint; 30007 (content filter), 21610 (opt-out) and reachability failures are not', () => {
    expect([...COMPLAINT_ERROR_CODES]).toEqual([30004]);
    const fixture = (codes as { codes: Array<{ code: number; meaning?: string }> }).codes.find((c) => c.code === 30004);
    expect(fixture?.meaning).toMatch(/user blocked the sender/);
    for (const c of [30007, 21610, 30003, 30005, 30006, 21211]) expect(COMPLAINT_ERROR_CODES.has(c)).toBe(false);
    expect(ERROR_CODES.get(30004)?.action).toBe('suppress');
  });
});

describe('complaintEffect (contact policy complaints section)', () => {
  const P = CONTACT_POLICY.complaints;
  it.each<[string, number, number, 'sms' | 'email', boolean, string[]]>([
    ['first e-mail complaint: e-mail marketing stops', 0, 1, 'email', false, ['email']],
    ['first SMS complaint: SMS marketing stops', 0, 1, 'sms', false, ['sms']],
    ['second complaint reaches the threshold: block list', 1, 1, 'email', true, ['email', 'all']],
    ['two at once', 0, 2, 'sms', true, ['sms', 'all']],
    ['beyond the threshold stays blocked', 5, 1, 'sms', true, ['sms', 'all']],
  ])('%s', (_l, before, added, channel, blocked, channels) => {
    const e = complaintEffect(before, added, channel, P);
    expect(e).toMatchObject({ complaints: before + added, blocked, cause: `complaint:${channel}` });
    expect(e.suppressions.map((s) => s.channel)).toEqual(channels);
    expect(e.suppressions.map((s) => s.rule)).toEqual(blocked ? ['complaint-channel', 'complaint-block-list'] : ['complaint-channel']);
  });
  it('the threshold is the policy file\'s', () => {
    expect(P.blockList.atComplaints).toBe(2);
    expect(complaintEffect(0, 1, 'email', { ...P, blockList: { ...P.blockList, atComplaints: 1 } }).blocked).toBe(true);
  });
  it('refuses nonsense counts', () => {
    expect(() => complaintEffect(-1, 1, 'sms', P)).toThrow(RangeError);
    expect(() => complaintEffect(0, 0, 'sms', P)).toThrow(RangeError);
  });
  it('the policy schema refuses a threshold below 1', () => {
    const bad = structuredClone(policyFile) as { complaints: { blockList: { atComplaints: number } } };
    bad.complaints.blockList.atComplaints = 0;
    expect(() => parseContactPolicy(bad)).toThrow(/complaints\.blockList\.atComplaints/);
  });
});

// RFC 5965 appendix B.2 (the complete example), with our Message-ID in the original headers.
const RFC5965 = (messageId: string, rcpt = 'Original-Rcpt-To: <user@example.com>\r\n') =>
  [
    'From: <abusedesk@example.com>',
    'Date: Thu, 8 Mar 2005 17:40:36 EDT',
    'Subject: FW: Earn money',
    'To: <abuse@example.net>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report;',
    '     boundary="part1_13d.2e68ed54_boundary"',
    '',
    '--part1_13d.2e68ed54_boundary',
    'Content-Type: text/plain; charset="US-ASCII"',
    'Content-Transfer-Encoding: 7bit',
    '',
    'This is an email abuse report for an email message received from IP',
    '192.0.2.1 on Thu, 8 Mar 2005 14:00:00 EDT.',
    '',
    '--part1_13d.2e68ed54_boundary',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: SomeGenerator/1.0',
    'Version: 1',
    'Original-Mail-From: <somespammer@example.net>',
    `${rcpt}Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT`,
    'Reporting-MTA: dns; mail.example.com',
    'Source-IP: 192.0.2.1',
    'Authentication-Results: mail.example.com;',
    '               spf=fail smtp.mail=somespammer@example.com',
    'Reported-Domain: example.net',
    '',
    '--part1_13d.2e68ed54_boundary',
    'Content-Type: message/rfc822',
    'Content-Disposition: inline',
    '',
    'From: <somespammer@example.net>',
    'To: <Undisclosed Recipients>',
    'Subject: Earn money',
    'MIME-Version: 1.0',
    'Content-Type: text/plain',
    `Message-ID: ${messageId}`,
    'Date: Thu, 02 Sep 2004 12:31:03 -0500',
    '',
    'Spam Spam Spam',
    '--part1_13d.2e68ed54_boundary--',
    '',
  ].join('\r\n');

describe('parseArf', () => {
  it('reads the RFC 5965 example', () => {
    const r = parseArf(RFC5965('<8787KJKJ3K4J3K4J3K4J3.mail@example.net>'));
    expect(r).toEqual({
      ok: true,
      report: {
        feedbackType: 'abuse',
        userAgent: 'SomeGenerator/1.0',
        version: '1',
        originalRcptTo: 'user@example.com',
        arrivalDate: 'Thu, 8 Mar 2005 14:00:00 EDT',
        sourceIp: '192.0.2.1',
        reportedDomain: 'example.net',
        original: { messageId: '<8787KJKJ3K4J3K4J3K4J3.mail@example.net>', to: null, from: '<somespammer@example.net>', subject: 'Earn money', date: 'Thu, 02 Sep 2004 12:31:03 -0500' },
      },
    });
  });
  it('a redacted recipient, text/rfc822-headers and a base64 original', () => {
    const headers = Buffer.from('Message-ID: <rl-42@acme.example>\r\nTo: eve@example.net\r\n\r\n').toString('base64');
    const raw = RFC5965('<x@y>', '')
      .replace('Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n', `Content-Type: text/rfc822-headers\r\nContent-Transfer-Encoding: base64\r\n\r\n${headers}\r\nIGNORED:`)
      .replace(/IGNORED:[\s\S]*?(?=--part1_13d\.2e68ed54_boundary--)/, '');
    const r = parseArf(raw);
    expect(r.ok && r.report.originalRcptTo).toBe(null);
    expect(r.ok && r.report.original).toMatchObject({ messageId: '<rl-42@acme.example>', to: 'eve@example.net' });
  });
  it.each<[string, string, RegExp]>([
    ['empty', '', /empty/],
    ['a plain e-mail', 'Subject: hi\r\nContent-Type: text/plain\r\n\r\nhello', /multipart\/report/],
    ['another report type', 'Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--', /feedback-report/],
    ['no boundary', 'Content-Type: multipart/report; report-type=feedback-report\r\n\r\nx', /boundary/],
    ['no feedback part', 'Content-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--', /message\/feedback-report/],
    ['no Feedback-Type', 'Content-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n--b\r\nContent-Type: message/feedback-report\r\n\r\nVersion: 1\r\n--b--', /Feedback-Type/],
  ])('refuses %s', (_l, raw, reason) => {
    const r = parseArf(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
  it.each([
    ['rfc822; user@example.com', 'user@example.com'],
    ['"Eve" <eve@example.net>', 'eve@example.net'],
    ['<Undisclosed Recipients>', null],
    [null, null],
  ])('addressOf(%j) = %j', (v, want) => expect(addressOf(v)).toBe(want));
});

describe('our Message-ID leads back to the ledger row', () => {
  it.each([
    ['123', 'news@acme.example'],
    ['9000000000000001', '"Acme" <news@acme.example>'],
  ])('ledger %s', (ledgerId, from) => expect(ledgerIdOfMessageId(messageIdFor(ledgerId, from))).toBe(ledgerId));
  it.each(['<8787KJKJ3K4J3K4J3K4J3.mail@example.net>', '<rl-abc@acme.example>', '<rl-0@acme.example>', 'rl-12', ''])('not ours: %j', (id) => expect(ledgerIdOfMessageId(id)).toBe(null));
});
