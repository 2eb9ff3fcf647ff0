import { Metadata, type NumberType, type PhoneNumber } from 'libphonenumber-js/max';

/**
 * Validity and line type of a parsed number: the same answers as libphonenumber-js's
 * PhoneNumber.isValid() and getType() (its helpers/getNumberType.js, step for step), from the same
 * full metadata, with each numbering plan's patterns compiled once.
 *
 * Why not call the library: its matchesEntirely() builds `new RegExp('^(?:' + pattern + ')$')`
 * on every check, and a type check runs up to ten of them against patterns of up to several
 * thousand characters. That was a third of the whole validation of an import (3.7 s of 11 s per
 * million numbers for getType alone). test/core/phone-type.test.ts checks the two agree on every
 * country's numbers, random ones included.
 */

/** The parts of the library's numbering plan object used here (untyped in its declarations). */
interface TypeDefinition {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}
interface NumberingPlan {
  nationalNumberPattern(): string;
  hasTypes(): boolean;
  type(type: string): TypeDefinition | undefined;
}

interface CompiledType {
  re: RegExp;
  lengths: readonly number[] | undefined;
}

interface CompiledPlan {
  nationalNumber: RegExp;
  hasTypes: boolean;
  types: ReadonlyMap<string, CompiledType>;
  /** The plan has a MOBILE type (its pattern may be empty). */
  hasMobile: boolean;
  mobilePatternEmpty: boolean;
}

const NON_FIXED_LINE_TYPES = ['MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'] as const;
const ALL_TYPES = ['FIXED_LINE', ...NON_FIXED_LINE_TYPES] as const;

const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);

const plans = new Map<string, CompiledPlan>();

function compiledPlan(selector: string): CompiledPlan {
  let plan = plans.get(selector);
  if (plan) return plan;
  const metadata = new Metadata();
  metadata.selectNumberingPlan(selector as never);
  const p = metadata.numberingPlan as unknown as NumberingPlan;
  const types = new Map<string, CompiledType>();
  for (const t of ALL_TYPES) {
    const def = p.type(t);
    // A type without a pattern never matches (isNumberTypeEqualTo).
    if (def && def.pattern()) types.set(t, { re: whole(def.pattern()), lengths: def.possibleLengths() });
  }
  const mobile = p.type('MOBILE');
  plan = { nationalNumber: whole(p.nationalNumberPattern()), hasTypes: p.hasTypes(), types, hasMobile: mobile !== undefined, mobilePatternEmpty: mobile?.pattern() === '' };
  plans.set(selector, plan);
  return plan;
}

function isType(plan: CompiledPlan, nationalNumber: string, type: string): boolean {
  const t = plan.types.get(type);
  if (!t) return false;
  if (t.lengths && !t.lengths.includes(nationalNumber.length)) return false;
  return t.re.test(nationalNumber);
}

function typeOf(plan: CompiledPlan, nationalNumber: string): NumberType {
  if (!plan.nationalNumber.test(nationalNumber)) return undefined;
  if (isType(plan, nationalNumber, 'FIXED_LINE')) {
    if (plan.mobilePatternEmpty || !plan.hasMobile) return 'FIXED_LINE_OR_MOBILE';
    return isType(plan, nationalNumber, 'MOBILE') ? 'FIXED_LINE_OR_MOBILE' : 'FIXED_LINE';
  }
  for (const type of NON_FIXED_LINE_TYPES) if (isType(plan, nationalNumber, type)) return type;
  return undefined;
}

/** { valid: phone.isValid(), type: phone.getType() }, computed once and faster. */
export function classifyNumber(phone: PhoneNumber): { valid: boolean; type: NumberType } {
  const selector = phone.country ?? phone.countryCallingCode;
  if (!selector) return { valid: false, type: undefined };
  const plan = compiledPlan(selector);
  const nn = phone.nationalNumber;
  const type = typeOf(plan, nn);
  // isValidNumber: with type patterns, valid means "has a type"; without, the general pattern.
  return { valid: plan.hasTypes ? type !== undefined : plan.nationalNumber.test(nn), type };
}

/** Compiled plans so far (one per country or non-geographic calling code met). */
export const compiledPlanCount = () => plans.size;
