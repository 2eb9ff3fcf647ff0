import { describe, expect, it } from 'vitest';
import { jsonSyntaxProblem, shapeOf } from '../../core/input-shape';

// What a stored warning or reject says about a raw value: its shape, never the value.

describe('shapeOf', () => {
  it.each([
    ['+8613800007771', '14 characters: digits, symbols'],
    ['jane.doe@example.com', '20 characters: letters, symbols'],
    ['Zora Quillfeather', '17 characters: letters, spaces'],
    ['张三', '2 characters: letters'],
    ['7', '1 character: digits'],
    ['', '0 characters'],
  ])('%j -> %j', (raw, shape) => expect(shapeOf(raw)).toBe(shape));
});

describe('jsonSyntaxProblem', () => {
  const problemOf = (text: string) => {
    try {
      JSON.parse(text);
    } catch (err) {
      return jsonSyntaxProblem(err);
    }
    throw new Error('parsed');
  };
  it.each([
    'jane.doe@example.com',
    '+8613800007773',
    'john.smith@example.com and a long tail after it',
    '{"phone": "+8613800007773" x}',
    '{"email": "jane.doe@example.com"',
    'x "jane.doe@example.com"',
  ])('says why %j is not JSON without quoting it', (text) => {
    const problem = problemOf(text);
    expect(problem.length).toBeGreaterThan(0);
    expect(problem).not.toMatch(/@|\d{5}|jane|john/);
  });
  it('keeps the token and the position the parser names', () => {
    expect(problemOf('jane.doe@example.com')).toBe("Unexpected token 'j'");
    expect(problemOf('{"a": 1} x')).toBe('Unexpected non-whitespace character after JSON at position 9');
  });
});
