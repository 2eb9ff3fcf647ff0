import type { Command } from 'commander';
import { maskEmail, maskPhone } from '../../core/mask';
import { normalizePhone, type CountryCode } from '../../core/phone';
import { findContactId, loadContactProfile, type ContactProfile } from '../../db/contact-profile';
import { contactOfPublicId, PUBLIC_ID, publicIdOf } from '../../db/public-ids';
import { phoneHash } from '../../db/contacts';
import { connectPool } from '../../db/pool';
import { CliError, configOrExit, emit, resolveDatabaseUrl, UsageError, type GlobalOptions } from '../cli-kit';

export function registerContact(program: Command): void {
  const contact = program.command('contact').description('look at one contact');
  contact
    .command('show <phone-or-id>')
    .description('profile, consents, the score broken down by input, the tier and its history')
    .option('--default-country <CC>', 'country for a number written without country code')
    .option('--unmask', 'show the full phone number and e-mail addresses (default: masked)')
    .option('--json', 'print as JSON')
    .action(async (key: string, flags: GlobalOptions & { defaultCountry?: string; unmask?: boolean }) => {
      const config = configOrExit();
      const pool = await connectPool(resolveDatabaseUrl(config), 2);
      try {
        let id: number | undefined;
        if (/^\d{1,15}$/.test(key) && !key.startsWith('0') && key.length < 9) id = await findContactId(pool, { id: Number(key) });
        else if (PUBLIC_ID.test(key)) id = await contactOfPublicId(pool, key);
        else {
          const phone = normalizePhone(key, { defaultCountry: flags.defaultCountry?.toUpperCase() as CountryCode | undefined });
          if (!phone.ok) throw new UsageError(`"${key}" is neither a contact id nor a phone number: ${phone.message}`);
          id = await findContactId(pool, { phoneHash: phoneHash(phone.e164) });
        }
        if (id === undefined) throw new CliError(`no contact ${key}`);
        await publicIdOf(pool, id); // the API reference, given when first shown
        const profile = (await loadContactProfile(pool, id))!;
        const shown = flags.unmask ? profile : masked(profile);
        emit(shown, flags, render);
      } finally {
        await pool.end();
      }
    });
}

/** Numbers and addresses masked: the default of every printout. */
function masked(p: ContactProfile): ContactProfile {
  return {
    ...p,
    phone: maskPhone(p.phone),
    emails: p.emails.map(maskEmail),
    recovery: p.recovery.map((k) => ({ ...k, candidate: k.candidate ? maskPhone(k.candidate) : null })),
    fromSource: { ...p.fromSource, shippingAddress: p.fromSource.shippingAddress === null ? null : maskAddress(p.fromSource.shippingAddress) },
    identity: { ...p.identity, aliases: p.identity.aliases.map((a) => ({ ...a, phone: maskPhone(a.phone) })) },
  };
}

function render(p: ContactProfile): string {
  const parts = p.score.parts;
  return [
    `contact ${p.id}  ${p.phone}${p.extension ? ` ext. ${p.extension}` : ''}  ${p.name ?? ''}`,
    `  API reference ${p.publicId}`,
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

/** An address shown as its first word and a count: enough to recognise, not to read out. */
const maskAddress = (a: string) => `${a.split(/[\s,]/)[0]!.slice(0, 12)}… (${a.length} characters)`;

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
