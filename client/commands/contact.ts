import type { Command } from 'commander';
import type { ContactProfile } from '../../db/contact-profile';
import { maskedProfile, readProfile } from '../../services/privacy';
import { publicIdOf } from '../../db/public-ids';
import { emit, type GlobalOptions } from '../cli-kit';
import { withPool } from '../session';
import { cliActor, requireReason, resolveContactKey } from '../contact-key';

export function registerContact(program: Command): void {
  const contact = program.command('contact').description('look at one contact');
  contact
    .command('show <phone-or-id>')
    .description('profile, consents, the score broken down by input, the tier and its history')
    .option('--default-country <CC>', 'country for a number written without country code')
    .option('--unmask', 'show the full phone number and e-mail addresses (default: masked)')
    .option('--reason <why>', 'why you read this person\'s data (required; recorded in the access audit, `reachloop audit`): a ticket, not personal data')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nEvery read is recorded in the access audit with your user name and --reason.\n\nExamples:\n  reachloop contact show +8613800138000 --reason "ticket 4711: delivery complaint"\n  reachloop contact show ct_0123456789abcdef0123456789abcdef --reason "support call" --unmask --json')
    .action(async (key: string, flags: GlobalOptions & { defaultCountry?: string; unmask?: boolean; reason?: string }) => {
      const reason = requireReason(flags.reason);
      await withPool(async (pool) => {
        const id = await resolveContactKey(pool, key, flags.defaultCountry);
        // Audited before it is read (readProfile): a read that cannot be recorded does not happen.
        await publicIdOf(pool, id); // the API reference, given when first shown (never to an erased contact)
        const profile = (await readProfile(pool, id, { actor: cliActor(), reason }, 'contact.show', { unmasked: !!flags.unmask }))!;
        const shown = flags.unmask ? profile : maskedProfile(profile);
        emit(shown, flags, render);
      });
    });
}

function render(p: ContactProfile): string {
  const parts = p.score.parts;
  return [
    `contact ${p.id}  ${p.phone}${p.extension ? ` ext. ${p.extension}` : ''}  ${p.name ?? ''}`,
    `  API reference ${p.publicId ?? '- (erased)'}`,
    `  line ${p.lineType}, ${p.country ?? '?'} (${p.region ?? '?'}), ${p.language ?? '?'}, ${p.currency ?? '?'}; zones ${p.timeZones.join(', ')}`,
    `  number ${p.numberStatus} -> ${p.validity}; SMS ${p.smsEligible ? 'eligible' : 'NOT eligible'}${p.quarantined ? '; QUARANTINED' : ''}; recheck after ${p.recheckAfter ?? '-'}`,
    `  e-mail ${p.emails.join(', ') || '-'}; tags ${p.channelTags.join(', ') || '-'}; sources ${p.sources.join(', ')}`,
    `  last order ${p.lastOrderAt ?? '-'}; order value ${p.orderValue ?? '-'}${p.fromSource.orderCurrency ? ` ${p.fromSource.orderCurrency}` : ''}`,
    ...sourceLines(p),
    ...activityLines(p),
    `  consents:${p.consents.length ? '' : ' none'}`,
    ...p.consents.map((k) => `    ${k.channel}/${k.purpose} from ${k.source} at ${k.grantedAt}${k.doubleOptIn ? ' (double opt-in)' : ''} proof ${JSON.stringify(k.proof)}`),
    `  score ${p.score.total} (${p.score.policyVersion}):`,
    ...parts.map((x) => `    ${(x.points > 0 ? '+' : '') + x.points}`.padEnd(12) + `${x.group}/${x.input} = ${JSON.stringify(x.value)}  (${x.rule})`),
    `  risk ${p.risk.points}${p.risk.reasons.length ? `: ${p.risk.reasons.join('; ')}` : ''}`,
    `  tier ${p.tier.tier}: ${p.tier.reasons.join('; ')}`,
    `  tier history:`,
    ...p.tierHistory.map((h) => `    ${h.at}  ${h.from ?? '-'} -> ${h.to}  score ${h.score}  (${h.cause})`),
  ].join('\n');
}

/** What the source's files said: customer ids, primary tag, registration, first order, order count, address. */
function sourceLines(p: ContactProfile): string[] {
  const s = p.fromSource;
  const facts = [
    s.customerIds.length ? `customer id ${s.customerIds.map((x) => `${x.id} (${x.source})`).join(', ')}` : '',
    s.channelTag ? `primary tag ${s.channelTag}` : '',
    s.registeredAt ? `registered ${s.registeredAt}` : '',
    s.firstOrderAt ? `first order ${s.firstOrderAt}` : '',
    s.orderCount !== null ? `orders (source) ${s.orderCount}` : '',
    s.shippingAddress ? `ships to ${s.shippingAddress}` : '',
  ].filter(Boolean);
  return facts.length ? [`  ${facts.join('; ')}`] : [];
}

/** Behaviour (from events) and the number's recheck history, when there is any. */
function activityLines(p: ContactProfile): string[] {
  const a = p.activity;
  const out: string[] = [];
  if (p.preferCheaperChannel) out.push('  silent number: prefer the cheaper channel');
  if (typeof a.lastEventAt === 'string') {
    const recent = Object.entries((a.recentCounts ?? {}) as Record<string, number>).map(([t, n]) => `${t} ${n}`).join(', ');
    out.push(`  events: last ${a.lastEventAt}; last login ${a.lastLoginAt ?? '-'}; replies ${a.smsReplies ?? 0}, clicks ${a.clicks ?? 0}, interactions ${a.socialInteractions ?? 0}${recent ? `; recent ${recent}` : ''}`);
    if (p.orderCount > 0) out.push(`  orders from events: ${p.orderCount}, average ${a.averageOrderValue ?? '-'}${a.orderValueCurrency ? ` ${a.orderValueCurrency}` : ''}, repurchase every ${a.repurchaseIntervalDays ?? '-'} days`);
    const interest = Object.entries((a.categoryInterest ?? {}) as Record<string, number>).map(([c, n]) => `${c} ${n}`).join(', ');
    const bought = Array.isArray(a.purchasedCategories) ? a.purchasedCategories.join(', ') : '';
    if (interest || bought) out.push(`  categories: recent interest ${interest || '-'}; buys ${bought || '-'}`);
  }
  if (p.numberChecks.length) out.push('  number checks:', ...p.numberChecks.map((k) => `    ${k.at}  ${k.from} -> ${k.to}  (${k.outcome}, lookup said ${k.answer})`));
  out.push(...feedbackLines(p));
  return out;
}

/** Delivery outcomes, complaints, suppressions and recovery cases (the feedback loop). */
function feedbackLines(p: ContactProfile): string[] {
  const a = p.activity;
  const out: string[] = [];
  if (typeof a.messagesSent === 'number')
    out.push(`  deliveries: ${a.messagesDelivered ?? 0} delivered of ${a.messagesSent} final outcomes; ${a.consecutiveFailures ?? 0} failure(s) in a row; ${a.messagesRejected ?? 0} refused`);
  if (p.deliveries.length)
    out.push('  latest sends:', ...p.deliveries.map((d) => `    ${d.at}  ${d.channel} ledger ${d.ledgerId}${d.campaignId ? ` campaign ${d.campaignId}` : ''}: ${d.state}${d.providerStatus ? ` (${d.providerStatus})` : ''}${d.errorCode ? ` error ${d.errorCode}` : ''}`));
  out.push(`  complaints: ${p.complaints.count}`, ...p.complaints.list.map((k) => `    ${k.at}  ${k.channel} from ${k.source}${k.ledgerId ? ` (ledger ${k.ledgerId})` : ''}`));
  out.push(`  suppressions:${p.suppressions.length ? '' : ' none'}`, ...p.suppressions.map((s) => `    ${s.channel} ${s.kind} from ${s.source} at ${s.at}`));
  if (p.recoveryCases.length) out.push('  dead-number reports:', ...p.recoveryCases.map((r) => `    #${r.id} ${r.status}: ${r.reason} (${r.detectedAt})`));
  if (p.recovery.length) out.push('  recovery cases:', ...p.recovery.map((k) => `    case ${k.caseId} ${k.state}: candidate ${k.candidate ?? '-'} (detected ${k.detectedAt}${k.closedAt ? `, closed ${k.closedAt}` : ''})`));
  const { mergedInto, aliases } = p.identity;
  if (mergedInto) out.push(`  MERGED into contact ${mergedInto.contactId} at ${mergedInto.at} (changed number${mergedInto.caseId ? `, case ${mergedInto.caseId}` : ''}): this record is an alias`);
  if (aliases.length) out.push('  aliases (earlier numbers of this customer):', ...aliases.map((a) => `    contact ${a.contactId} ${a.phone}, merged ${a.at}${a.caseId ? ` (case ${a.caseId})` : ''}`));
  return out;
}
