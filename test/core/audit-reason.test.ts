import { describe, expect, it } from 'vitest';
import { reasonProblem } from '../../core/privacy/audit';

// The access audit's reason (`--reason`, the API's reason): it says why a person's data is read,
// never who the person is. Ticket ids, dates and order numbers are ordinary reasons; what looks
// like a phone number or an e-mail address (core/mask.ts, the one home of those patterns) is not.

describe('reasonProblem', () => {
  it.each([
    'ticket 2026-12-06',
    'DSR-2026-000123',
    'order 123456789012',
    'ticket 4711: customer asked for a copy',
    'DSR-118 access request',
    'case 20261206-0042 follow-up',
    'refund for invoice INV/2026/000981',
  ])('accepts %j', (reason) => {
    expect(reasonProblem(reason)).toBeNull();
    expect(reasonProblem(reason, 'api')).toBeNull();
  });

  it.each([
    ['call back +86 138 0000 7771', 'a phone number'],
    ['call back +8613800007771', 'a phone number'],
    ['customer at (212) 555-0142 asked', 'a phone number'],
    ['mobile 138 0000 7771', 'a phone number'],
    ['asked by jane.doe@example.com', 'an e-mail address'],
    ['JANE.DOE@EXAMPLE.COM wants a copy', 'an e-mail address'],
  ])('refuses %j: it names the person (%s)', (reason, what) => {
    const problem = reasonProblem(reason);
    expect(problem).toMatchObject({ code: 'personal_data_in_reason' });
    expect(problem!.message).toContain(`must not contain ${what}`);
  });

  it.each([
    [undefined, 'missing_reason'],
    ['', 'missing_reason'],
    ['   ', 'missing_reason'],
    ['abc', 'missing_reason'],
    ['x'.repeat(301), 'missing_reason'],
  ])('refuses %j as %s', (reason, code) => {
    expect(reasonProblem(reason)?.code).toBe(code);
  });

  it('words the missing reason for where it came from: --reason for the CLI, the parameter or field for the API', () => {
    expect(reasonProblem(undefined, 'cli')!.message).toContain('--reason "');
    const api = reasonProblem(undefined, 'api')!.message;
    expect(api).not.toContain('--reason');
    expect(api).toContain('query parameter reason');
    expect(api).toContain('"reason"');
  });
});
