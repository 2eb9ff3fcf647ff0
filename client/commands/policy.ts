import type { Command } from 'commander';
import { holidaysInYear } from '../../core/holidays';
import { appliedRules, checkCampaign } from '../../core/policy/check';
import { CONTACT_POLICY, RETENTION_KINDS, type ContactPolicy } from '../../core/policy/contact-policy';
import { emit, type GlobalOptions } from '../cli-kit';
import { readCampaignFile } from '../campaign-file';

/** Countries whose calendar a marketing operator most needs to know is complete for the year. */
const CALENDAR_COUNTRIES = ['CN'] as const;

/** Years the CN calendar covers only by its statutory rules (no official 调休 notice loaded yet). */
export function calendarWarnings(years: readonly number[]): string[] {
  const out: string[] = [];
  for (const country of CALENDAR_COUNTRIES)
    for (const year of years) {
      const { basis } = holidaysInYear(country, null, year);
      if (basis === 'statutory-rules')
        out.push(`${country} ${year}: no official holiday notice loaded; the statutory holidays apply and make-up workdays are unknown (core/holidays.ts)`);
    }
  return out;
}

const span = (w: { start: string; end: string }) => `${w.start}–${w.end}`;

function renderPolicy(p: ContactPolicy & { warnings: string[] }): string {
  const lines = [
    `${p.version}`,
    '',
    'windows (recipient-local time)',
    ...Object.entries(p.windows).map(([name, w]) => `  ${name.padEnd(24)} ${span(w).padEnd(12)} ${w.id}\n    ${w.note}`),
    '',
    'marketing caps (per contact, across all campaigns)',
    ...p.caps.marketing.map((c) => `  ${c.id.padEnd(24)} ${c.channel.padEnd(6)} ${c.max} per ${c.perHours} h  ${c.note}`),
    '',
    'tiers',
    ...(['A', 'B', 'C', 'D'] as const).map((t) => {
      const x = p.tiers[t];
      return `  ${t}  ${x.channel.padEnd(6)} ${x.mode.padEnd(15)} ${x.cadence.label.padEnd(9)} tier-cadence-${t}  ${x.note}`;
    }),
    '',
    `holidays: marketing ${p.holidays.marketing}. ${p.holidays.note}`,
    '',
    `opt-out footers: ${Object.entries(p.optOutFooters.byCountry).map(([c, l]) => `${c} ${l}`).join(', ')}. ${p.optOutFooters.note}`,
    '',
    'consent (marketing)',
    ...Object.entries(p.consent.sources).map(([name, s]) => `  ${name.padEnd(20)} ${s.worth.padEnd(9)}${'rule' in s && s.rule ? `${s.rule}  ` : ''}${s.note}`),
    `  explicit only in ${p.consent.explicitOnly.regions.join(', ')} (${p.consent.explicitOnly.id}): ${p.consent.explicitOnly.citation}`,
    `  ${p.consent.doubleOptIn.channels.join(', ')} double opt-in in ${p.consent.doubleOptIn.countries.join(', ')} (${p.consent.doubleOptIn.id}): ${p.consent.doubleOptIn.citation}`,
    `  number change while the current number is reachable (${p.consent.numberChange.id}): it is told${p.consent.numberChange.requireCurrentNumberAnswer ? ' and must answer YES' : '; a NO cancels'} within ${p.consent.numberChange.answerWithinHours} h`,
    '',
    `complaints: ${p.complaints.channel.id}: ${p.complaints.channel.note}`,
    `  ${p.complaints.blockList.id} at ${p.complaints.blockList.atComplaints}: ${p.complaints.blockList.note}`,
    '',
    `device farms: ${p.deviceFarms.sameDeviceRegistrations.atLeast} registrations from one device or ${p.deviceFarms.sameRangeRegistrations.atLeast} from one number block within ${p.deviceFarms.sameDeviceRegistrations.withinHours} h; ${p.deviceFarms.accountsOnDevice.atLeast} accounts on one device in recovery`,
    '',
    'retention (reachloop privacy retention)',
    ...RETENTION_KINDS.map((k) => `  ${k.padEnd(22)} ${String(p.retention[k].days).padStart(5)} days  ${p.retention[k].note}`),
    '',
    'regional rules',
    ...p.regionalRules.map((r) =>
      [
        `  ${r.id} (${r.region}; ${[...r.appliesTo, ...(r.precautionaryFor ?? []).map((c) => `${c} as a precaution`)].join(', ')}; ${r.confidence})`,
        `    ${r.window ? `window ${span(r.window)}${r.window.days ? ` days ${r.window.days.join(',')}` : ''}` : 'no hours'}${r.maxPer24h !== null ? `, at most ${r.maxPer24h} per 24 h` : ''}${r.maxPer30d !== null ? `, at most ${r.maxPer30d} per 30 days` : ''}`,
        `    ${r.citation}`,
      ].join('\n'),
    ),
    ...(p.warnings.length ? ['', 'warnings', ...p.warnings.map((w) => `  ! ${w}`)] : []),
  ];
  return lines.join('\n');
}

export function registerPolicy(program: Command): void {
  const policy = program
    .command('policy')
    .description('the contact policy: who may be contacted, when and how often')
    .addHelpText(
      'after',
      `
The contact policy (core/policy/contact-policy.v1.json) holds every rule of whom may be contacted,
when and how often: the product's default window, regional law (US TCPA and state rules with
their citations), caps per channel across all campaigns, tier cadence and channel, holidays.
A campaign can tighten it, never loosen it; every DEFER/SKIP names the rule that decided it.

  reachloop policy show
  reachloop policy check winter-sale.yaml`,
    );

  policy
    .command('show')
    .description('print the policy with the citations of its legal rules')
    .option('--json', 'print as JSON')
    .action((flags: GlobalOptions) => {
      const year = new Date().getUTCFullYear();
      emit({ ...CONTACT_POLICY, warnings: calendarWarnings([year, year + 1]) }, flags, renderPolicy);
    });

  policy
    .command('check <campaign-file>')
    .description('what the policy changes in a campaign file (exit 0 either way; usage errors exit 2)')
    .option('--json', 'print as JSON')
    .action((file: string, flags: GlobalOptions) => {
      const def = readCampaignFile(file);
      const clamps = checkCampaign(CONTACT_POLICY, def);
      emit({ policy: CONTACT_POLICY.version, campaign: def.name, clamped: clamps, applies: appliedRules(CONTACT_POLICY, def) }, flags, (r) =>
        [
          `${r.campaign}: checked against ${r.policy}`,
          r.clamped.length ? 'clamped (the campaign asks for more than the policy allows):' : 'nothing clamped: the campaign only tightens the policy',
          ...r.clamped.map((c) => `  ! ${c.message} [${c.rule}]`),
          'applies:',
          ...r.applies.map((a) => `  - ${a}`),
        ].join('\n'),
      );
    });
}
