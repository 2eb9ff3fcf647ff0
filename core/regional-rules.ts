// Legal send-time and frequency rules per region, each with its citation, and the default marketing
// window they imply. Source of every entry: test/fixtures/regional_rules.json (statutes and secondary
// sources as cited there); the table test keeps the two identical.
//
// Effective window = intersection of every applicable rule's window (US federal + state); where no
// statute sets hours, the product default applies and is reported as such (statutory: false).
import type { IsoWeekday, TimeRange, WindowPolicy } from './send-window';

export type Channel = 'sms' | 'voice' | 'email';
export interface RegionalRule {
  readonly id: string;
  /** 'US' (federal), 'US-FL' (ISO 3166-2 state), a country code, or 'EU' (every member state). */
  readonly region: string;
  readonly appliesTo: readonly Channel[];
  /** Channels the product applies the rule to although the statute's coverage is not confirmed. */
  readonly precautionaryFor?: readonly Channel[];
  /** Statutory hours in the recipient's local time; null = none found (consent rules only). */
  readonly window: WindowPolicy | null;
  readonly maxPer24h: number | null;
  readonly maxPer30d: number | null;
  readonly noSendOnPublicHolidays: boolean;
  readonly citation: string;
  readonly confidence: 'confirmed' | 'secondary-source';
  readonly note: string;
}

/** Product default where no statute sets hours: "morning, noon, after 20:00 but never late at night" (brief §1). */
export const PRODUCT_DEFAULT_WINDOW: WindowPolicy = { start: '09:00', end: '21:00' };

const WEEKDAYS: readonly IsoWeekday[] = [1, 2, 3, 4, 5];
const EU_MEMBERS = new Set('AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK'.split(' '));

export const REGIONAL_RULES: readonly RegionalRule[] = [
  {
    id: 'us-tcpa-hours', region: 'US', appliesTo: ['voice', 'sms'],
    window: { start: '08:00', end: '21:00' }, maxPer24h: null, maxPer30d: null, noSendOnPublicHolidays: false,
    citation: '47 CFR 64.1200(c)(1): no telephone solicitation to a residential subscriber "before the hour of 8 a.m. or after 9 p.m. (local time at the called party\'s location)" (text as quoted at https://www.nwdebtresolution.com/post/telephone-consumer-protection-act-call-time-restrictions and https://saxton.org/tcpa/47CFR64.php); FTC TSR 16 CFR 310.4(c) has the same hours.',
    confidence: 'confirmed',
    note: 'FCC treats texts as calls under the TCPA. "Telephone solicitation" excludes messages sent with prior express invitation/permission or an established business relationship (64.1200(f)(15)); the product should still apply the window to all marketing.',
  },
  {
    id: 'us-fcc-revocation-10-business-days', region: 'US', appliesTo: ['voice', 'sms'],
    window: null, maxPer24h: null, maxPer30d: null, noSendOnPublicHolidays: false,
    citation: 'FCC TCPA Consent Order FCC 24-18 (Feb 2024), 47 CFR 64.1200(a)(10)-(12): revocation by any reasonable means (e.g. reply STOP/QUIT/END/REVOKE/OPT OUT/CANCEL/UNSUBSCRIBE) honoured within 10 business days; in effect 2025-04-11 (https://econsent.org/posts/tcpa-10-business-day-opt-out-rule, https://community.sinch.com/t5/SMS/.../ta-p/17716). FCC CGB order of 2025-04-07 delayed only the "revoke-all / unrelated messages" part of (a)(10) to 2026-04-11 (https://www.gmlaw.com/news/tcpa-consent-revocation-rule-delayed-what-you-need-to-know).',
    confidence: 'secondary-source',
    note: 'Encode as opt_out_deadline = 10 business days (weekends and federal holidays excluded). A single opt-out confirmation text within 5 minutes is allowed (64.1200(a)(12), per secondary sources). Whether the revoke-all part was further delayed after 2026-04-11 was not confirmed.',
  },
  {
    id: 'us-fl-ftsa', region: 'US-FL', appliesTo: ['voice', 'sms'],
    window: { start: '08:00', end: '20:00' }, maxPer24h: 3, maxPer30d: null, noSendOnPublicHolidays: false,
    citation: 'Fla. Stat. 501.616(6)(a)-(b) as amended by CS/SB 1120 (2021), Laws of Fla. ch. 2021-185: no commercial telephone solicitation call "before 8 a.m. or after 8 p.m. local time at the called person\'s location" and no "more than three commercial telephone solicitation phone calls from any number to a person over a 24-hour period on the same subject matter or issue, regardless of the phone number used" (https://flsenate.gov/Session/Bill/2021/1120/BillText/Filed/HTML; enrolled https://flsenate.gov/Session/Bill/2021/1120/BillText/er/HTML). Autodialer/consent rules in 501.059 (FTSA).',
    confidence: 'confirmed',
    note: 'Hours/frequency sit in 501.616 (Florida Telemarketing Act) while consent sits in 501.059; texts are "telephonic sales calls" under 501.059 as amended. 501.059 includes a rebuttable presumption that a call to a Florida area code is to a person in Florida. max_per_24h is per subject matter, rolling 24 h.',
  },
  {
    id: 'us-ok-tsa-2022', region: 'US-OK', appliesTo: ['voice', 'sms'],
    window: { start: '08:00', end: '20:00' }, maxPer24h: 3, maxPer30d: null, noSendOnPublicHolidays: false,
    citation: 'Oklahoma Telephone Solicitation Act of 2022, Enrolled HB 3168 (signed 2022-05-20, effective 2022-11-01), 15 O.S. 775C.1 et seq. (https://app.legiplex.com/ok/legislature/2022/2022-r/bills/hb3168/drafts-latest; summary https://kfor.com/news/oklahoma-legislature/oklahoma-state-senate-votes-to-prohibit-certain-solicitation-calls/ and https://www.beneschlaw.com/insight/new-oklahoma-mini-tcpa-law-set-to-go-into-effect-in-november/)',
    confidence: 'secondary-source',
    note: 'Hours 8 a.m.-8 p.m. and max 3 calls per 24 h on the same matter reported by the Oklahoma Senate release and law-firm summaries; statute section text for the hours (775C.4) not read directly. Rebuttable presumption for Oklahoma area codes.',
  },
  {
    id: 'us-md-stop-the-spam-calls-2023', region: 'US-MD', appliesTo: ['voice', 'sms'],
    window: { start: '08:00', end: '20:00' }, maxPer24h: 3, maxPer30d: null, noSendOnPublicHolidays: false,
    citation: 'Maryland Stop the Spam Calls Act of 2023 (SB 90, signed 2023-05-03, effective 2024-01-01), Md. Code Com. Law 14-4501 et seq. (https://lexace.ai/us/statute/maryland/CL-14-4502; https://www.dataguidance.com/news/maryland-bill-unsolicited-telephone-calls-signed; https://www.wmar2news.com/local/law-to-prevent-spam-calls-takes-effect-first-of-the-year)',
    confidence: 'secondary-source',
    note: '8:00-20:00 in the called party\'s time zone and max 3 calls or text messages per 24 h on the same subject reported by news/law-firm sources; one source (dnc.com) misstates the effective date as 2023-01-01.',
  },
  {
    id: 'us-ct-pa-23-98', region: 'US-CT', appliesTo: ['voice', 'sms'],
    window: { start: '09:00', end: '20:00' }, maxPer24h: null, maxPer30d: null, noSendOnPublicHolidays: false,
    citation: 'Conn. Gen. Stat. 42-288a as amended by Public Act 23-98 (SB 1058), effective 2023-10-01: allowed call time changed from 9 AM-9 PM to 9 AM-8 PM; covers text/media messages; rebuttable presumption for Connecticut area codes (https://tcpaworld.com/2023/06/28/connecticut-rolls-out-new-telemarketing-requirements-here-is-what-you-need-to-know/; https://www.tcpadefenseforce.com/tcpa-law-blog/connecticut-broadens-its-telemarketing-laws; act text https://app.legiplex.com/ct/legislature/2023/2023-r/bills/sb01058/drafts-latest)',
    confidence: 'secondary-source',
    note: 'Strictest US start time found (09:00). Also requires prior express written consent for telephonic sales calls.',
  },
  {
    // SMS coverage unconfirmed; applied to SMS as a precaution (costs one evening hour, 20:00-21:00).
    id: 'us-wa-rcw-19-158-040', region: 'US-WA', appliesTo: ['voice'], precautionaryFor: ['sms'],
    window: { start: '08:00', end: '20:00' }, maxPer24h: null, maxPer30d: null, noSendOnPublicHolidays: false,
    citation: 'RCW 19.158.040(2): "A commercial telephone solicitor shall not place calls to any person which will be received before 8:00 a.m. or after 8:00 p.m. at the call recipient\'s local time." (https://app.leg.wa.gov/RCW/default.aspx?cite=19.158.040); see also RCW 80.36.390',
    confidence: 'confirmed',
    note: 'Applies to calls; coverage of SMS not confirmed (Washington regulates commercial text messages separately under RCW 19.190).',
  },
  {
    // Calls only: SMS/e-mail in France fall under consent rules (CPCE L.34-5) with no hours.
    id: 'fr-demarchage-telephonique', region: 'FR', appliesTo: ['voice'],
    window: { start: '10:00', end: '20:00', quietHours: [{ start: '13:00', end: '14:00' }], days: WEEKDAYS },
    maxPer24h: null, maxPer30d: 4, noSendOnPublicHolidays: true,
    citation: 'Code de la consommation art. D.223-9, inserted by Décret n° 2022-1313 du 13 octobre 2022 (JORF 14/10/2022), in force 2023-03-01: telephone prospecting of consumers only Monday-Friday except public holidays, 10:00-13:00 and 14:00-20:00 in the consumer\'s time zone; max 4 solicitations per 30 calendar days by the same professional; 60-day wait after a refusal; not applicable with the consumer\'s express prior consent (https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000046421823; text https://www.lexbase.fr/index/source/88904522-...)',
    confidence: 'confirmed',
    note: 'Covers telephone calls ("sollicitation par voie téléphonique"), not SMS/e-mail. Frequency cap is 4 per 30 days (max_per_30d = 4), not per 24 h. Commercial SMS/e-mail in France instead need prior consent (CPCE L.34-5, ePrivacy) with no statutory hour limit found.',
  },
  {
    id: 'gb-pecr', region: 'GB', appliesTo: ['sms', 'email'],
    window: null, maxPer24h: null, maxPer30d: null, noSendOnPublicHolidays: false,
    citation: 'Privacy and Electronic Communications (EC Directive) Regulations 2003 reg. 22: no unsolicited direct marketing by electronic mail (incl. SMS, MMS, voicemail, in-app, social DMs per ICO guidance) to individual subscribers without specific consent, except the "soft opt-in" for existing customers with an opt-out at collection and in every message (https://www.brabners.com/blogs/new-ico-guidance-how-comply-pecr; https://www.fsp-law.com/pecr-updates/)',
    confidence: 'secondary-source',
    note: 'No statutory send-time window found for the UK. Live marketing calls are governed by PECR reg. 21 (TPS screening), also without fixed hours.',
  },
  {
    id: 'de-uwg-7', region: 'DE', appliesTo: ['voice', 'sms', 'email'],
    window: null, maxPer24h: null, maxPer30d: null, noSendOnPublicHolidays: false,
    citation: 'UWG § 7(2) Nr. 1-2 (numbering after the 2022 amendment; older texts use Nr. 2-3) and § 7(3): advertising calls to consumers need prior express consent; advertising via automated calling machines, fax or electronic mail (incl. SMS) needs prior express consent, except the § 7(3) existing-customer exception for e-mail; § 7a UWG (2021) requires documenting telephone-advertising consent (https://lxgesetze.de/uwg/7; https://boehmanwaltskanzlei.de/wirtschaftsrecht/wettbewerbsrecht/wettbewerbsschutz/belaestigung)',
    confidence: 'confirmed',
    note: 'No statutory time-of-day window for marketing found in Germany (the consent rule is the constraint). Not a time rule: do not invent hours for DE.',
  },
  {
    id: 'eu-eprivacy', region: 'EU', appliesTo: ['sms', 'email', 'voice'],
    window: null, maxPer24h: null, maxPer30d: null, noSendOnPublicHolidays: false,
    citation: 'Directive 2002/58/EC (ePrivacy) art. 13: prior consent for unsolicited communications by automated calling, fax or electronic mail (SMS included), with the existing-customer exception (as transposed, e.g., UK PECR reg. 22, DE UWG § 7)',
    confidence: 'secondary-source',
    note: 'No EU-wide hour limit; hours exist only in national law (e.g. FR calls).',
  },
  {
    id: 'cn-miit-31', region: 'CN', appliesTo: ['sms'],
    window: null, maxPer24h: null, maxPer30d: null, noSendOnPublicHolidays: false,
    citation: '《通信短信息服务管理规定》(工业和信息化部令第31号, in force 2015-06-30): short-message service/content providers must not send commercial SMS without the user\'s consent or request, must stop after the user refuses, and must include an easy opt-out in each message (Xinhua report 2015-05-28, e.g. http://new.aaeji.com/zrdl/70754.html). A 2020 MIIT draft 《通信短信息和语音呼叫服务管理规定（征求意见稿）》 extends consent to commercial calls and treats silence as refusal (2020-08-31 reports).',
    confidence: 'secondary-source',
    note: 'Official send-hour limit: NONE FOUND in the MIIT rules or any source searched; none is encoded. Carrier/industry practices may impose quiet hours but were not confirmed. The 2020 draft\'s final status was not confirmed.',
  },
];

export interface RegionalDefault {
  readonly country: string;
  readonly subdivision: string | null;
  readonly channel: Channel;
  readonly window: WindowPolicy;
  /** True when the window comes from law; false when it is the product default. */
  readonly statutory: boolean;
  readonly maxPer24h: number | null;
  readonly maxPer30d: number | null;
  readonly noSendOnPublicHolidays: boolean;
  /** Every applicable rule (hours, caps and consent-only rules), for display and audit. */
  readonly rules: readonly RegionalRule[];
}

/** The rules that apply to a recipient in country[/subdivision] on a channel. */
export function rulesFor(country: string, subdivision?: string | null, channel: Channel = 'sms'): RegionalRule[] {
  const c = country.trim().toUpperCase();
  const sub = subdivision?.trim().toUpperCase().replace(new RegExp(`^${c}-`), '') || null;
  const regions = new Set([c, ...(sub ? [`${c}-${sub}`] : []), ...(EU_MEMBERS.has(c) ? ['EU'] : [])]);
  return REGIONAL_RULES.filter(
    (r) => regions.has(r.region) && (r.appliesTo.includes(channel) || (r.precautionaryFor ?? []).includes(channel)),
  );
}

const later = (a: string, b: string): string => (a > b ? a : b);
const earlier = (a: string, b: string): string => (a < b ? a : b);

/** The window both policies allow ('HH:mm' strings compare in time order); null when they do not overlap. */
export function intersectPolicies(a: WindowPolicy, b: WindowPolicy): WindowPolicy | null {
  const start = later(a.start, b.start);
  const end = earlier(a.end, b.end);
  if (end <= start) return null;
  const quiet: TimeRange[] = [...(a.quietHours ?? []), ...(b.quietHours ?? [])];
  const days = a.days && b.days ? a.days.filter((d) => b.days!.includes(d)) : (a.days ?? b.days);
  return { start, end, ...(quiet.length ? { quietHours: quiet } : {}), ...(days ? { days } : {}) };
}

const minOf = (values: (number | null)[]): number | null => {
  const xs = values.filter((v): v is number => v !== null);
  return xs.length ? Math.min(...xs) : null;
};

/** Default marketing window and caps for a recipient: the statutory intersection, else the product default. */
export function defaultWindowFor(country: string, subdivision?: string | null, channel: Channel = 'sms'): RegionalDefault {
  const rules = rulesFor(country, subdivision, channel);
  const windows = rules.flatMap((r) => (r.window ? [r.window] : []));
  let window: WindowPolicy | null = windows[0] ?? PRODUCT_DEFAULT_WINDOW;
  for (const w of windows.slice(1)) window = window && intersectPolicies(window, w);
  if (!window) throw new Error(`regional rules for ${country}/${subdivision ?? '-'} leave no common window`);
  const c = country.trim().toUpperCase();
  return {
    country: c,
    subdivision: subdivision?.trim().toUpperCase().replace(new RegExp(`^${c}-`), '') || null,
    channel,
    window,
    statutory: windows.length > 0,
    maxPer24h: minOf(rules.map((r) => r.maxPer24h)),
    maxPer30d: minOf(rules.map((r) => r.maxPer30d)),
    noSendOnPublicHolidays: rules.some((r) => r.noSendOnPublicHolidays),
    rules,
  };
}
