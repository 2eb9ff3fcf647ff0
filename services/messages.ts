import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { CampaignDefinition } from '../core/campaign/definition';
import type { RecipientSnapshot } from '../core/campaign/decision';
import { countryLevelTimeZones, subdivisionOfNumber, UNKNOWN_TIME_ZONE } from '../core/phone';
import { shortenLinks, type TrackedLink } from '../core/links';
import { composeSms, type ComposedSms } from '../core/sms';
import { CONTACT_POLICY, requiredFooterLanguage } from '../core/policy/contact-policy';
import { marketingConsent } from '../core/policy/consent';
import { escapeHtml, pickLanguage, renderTemplate } from '../core/template';
import type { TierName } from '../core/campaign/definition';
import type { OutboundEmail } from '../channels/email';
import type { LinkCoder } from '../channels/tracked-link';
import { signUnsubscribeToken, unsubscribeUrl } from '../channels/unsubscribe-link';
import type { RecipientRecord } from '../db/recipients';
import type { SuppressionKind } from '../db/suppressions';

/** The decision's view of a recipient, from what was read at send time. */
export function snapshotOf(r: RecipientRecord): RecipientSnapshot {
  const has = (channel: 'sms' | 'email', kinds: (k: SuppressionKind) => boolean) => r.suppressions[channel].some(kinds);
  const unknownZone = r.timeZones.length === 0 || r.timeZones.includes(UNKNOWN_TIME_ZONE);
  return {
    contactId: r.contactId,
    tier: r.tier as TierName,
    country: r.country,
    subdivision: subdivisionOfNumber(r.e164, r.country),
    timeZones: r.timeZones,
    countryZones: unknownZone ? countryZonesOf(r.e164) : [],
    validity: r.validity as RecipientSnapshot['validity'],
    smsEligible: r.smsEligible,
    hasEmail: r.email !== null,
    quarantined: r.quarantined,
    preferCheaperChannel: r.numberStatus === 'silent',
    optedOut: { sms: has('sms', (k) => k === 'opt_out'), email: has('email', (k) => k === 'opt_out') },
    complained: { sms: has('sms', (k) => k === 'complaint'), email: has('email', (k) => k === 'complaint') },
    suppressed: { sms: has('sms', (k) => k !== 'opt_out' && k !== 'complaint'), email: has('email', (k) => k !== 'opt_out' && k !== 'complaint') },
    ...consentOf(r),
  };
}

/** Which stored marketing consents count for this contact (core/policy/consent.ts), and the rule of each that does not. */
function consentOf(r: RecipientRecord): Pick<RecipientSnapshot, 'consent' | 'consentRefusedBy'> {
  const verdict = (channel: 'sms' | 'email') => marketingConsent(CONTACT_POLICY.consent, r.country, channel, r.consents.find((k) => k.channel === channel) ?? null);
  const sms = verdict('sms');
  const email = verdict('email');
  const refused: Partial<Record<'sms' | 'email', string>> = {};
  if (!sms.counts) refused.sms = sms.rule;
  if (!email.counts) refused.email = email.rule;
  return { consent: { sms: sms.counts, email: email.counts }, consentRefusedBy: refused };
}

function countryZonesOf(e164: string): readonly string[] {
  const code = parsePhoneNumberFromString(e164)?.countryCallingCode;
  return code ? countryLevelTimeZones(code) : [];
}

/** What tracked links need: the campaign, where /l/CODE is served, and the code of a link. */
export interface LinkContext {
  campaignId: number;
  publicBaseUrl: string;
  codeOf: LinkCoder;
}

export interface BuiltSms extends ComposedSms {
  /** Short links in `text` (campaigns with links.track), to store before sending. */
  links: TrackedLink[];
}

/**
 * The SMS for a recipient. With tracked links each URL becomes its short link before the footer
 * is added and the segments are counted, so the stored count is that of the text sent. The same
 * recipient always gets the same text (codes are derived), which reconciliation relies on.
 */
export function buildSms(def: CampaignDefinition, r: RecipientRecord, linking?: LinkContext): BuiltSms {
  const { language, template } = pickLanguage(def.templates.sms!, r.language, def.defaultLanguage);
  let body = renderTemplate(template, { name: r.name, brand: def.brand, country: r.country });
  let links: TrackedLink[] = [];
  if (def.links?.track) {
    if (!linking) throw new Error('tracked links need a link context (public base URL and signing secret)');
    ({ text: body, links } = shortenLinks(body, linking.publicBaseUrl, (url) => linking.codeOf({ campaignId: linking.campaignId, contactId: r.contactId, url })));
  }
  return { ...composeSms(body, language, def.category, {}, requiredFooterLanguage(CONTACT_POLICY, r.country)), links };
}

export interface EmailContext {
  publicBaseUrl: string;
  signingSecret: string;
  campaignId: number;
  now: Date;
}

const UNSUBSCRIBE_LINK_DAYS = 60;

export interface BuiltEmail extends OutboundEmail {
  /** Short links in the text and HTML parts (campaigns with links.track), to store before sending. */
  links: TrackedLink[];
}

/**
 * The e-mail for a recipient. With tracked links every URL of both parts becomes its short link
 * (the same code in both, derived like the SMS's), except the unsubscribe link, which must work
 * as it is, also from the List-Unsubscribe header.
 */
export function buildEmail(def: CampaignDefinition, r: RecipientRecord, ledgerId: string, ctx: EmailContext, linking?: LinkContext): BuiltEmail {
  const { template } = pickLanguage(def.templates.email!, r.language, def.defaultLanguage);
  const token = signUnsubscribeToken(
    { contactId: String(r.contactId), channel: 'email', campaignId: String(ctx.campaignId), expiresAt: new Date(ctx.now.getTime() + UNSUBSCRIBE_LINK_DAYS * 86_400_000) },
    ctx.signingSecret,
  );
  const link = unsubscribeUrl(ctx.publicBaseUrl, token);
  const vars = { name: r.name, brand: def.brand, country: r.country, unsubscribe_url: link };
  let text = renderTemplate(template.text, vars);
  let html = template.html ? renderTemplate(template.html, vars, escapeHtml) : `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>`;
  let links: TrackedLink[] = [];
  if (def.links?.track) {
    if (!linking) throw new Error('tracked links need a link context (public base URL and signing secret)');
    const codeOf = (url: string) => linking.codeOf({ campaignId: linking.campaignId, contactId: r.contactId, url });
    const keep = (url: string) => url === link;
    const t = shortenLinks(text, linking.publicBaseUrl, codeOf, { keep });
    const h = shortenLinks(html, linking.publicBaseUrl, codeOf, { keep, html: true });
    text = t.text;
    html = h.text;
    links = [...new Map([...t.links, ...h.links].map((l) => [l.code, l])).values()];
  }
  const marketing = def.category === 'marketing';
  if (marketing && !template.text.includes('{{unsubscribe_url}}')) text += `\n\nUnsubscribe: ${link}`;
  return {
    to: r.email!,
    subject: renderTemplate(template.subject, vars),
    text,
    html: marketing && !(template.html ?? '').includes('{{unsubscribe_url}}') ? `${html}<p><a href="${escapeHtml(link)}">Unsubscribe</a></p>` : html,
    unsubscribe: marketing ? { url: link } : null,
    ledgerId,
    links,
  };
}
