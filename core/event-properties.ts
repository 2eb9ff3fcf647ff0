/**
 * The properties of each standard event tag, and how an event's properties are checked: a
 * missing or malformed property is left out of the stored event and reported as a warning; the
 * event itself is stored (it still counts as activity). Pure.
 */
import { z } from 'zod';
import type { StandardTag } from './events';
import { maskStringsIn } from './mask';

/** A number, or a string holding one (trackers often send "19.90"). */
const amount = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v),
  z.number({ error: 'must be a number' }).finite().nonnegative('must not be negative'),
);
const count = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z.int({ error: 'must be a whole number' }).min(1, 'must be at least 1'),
);
const ident = z.preprocess(
  (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v),
  z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
);
const text = (max: number) => z.string({ error: 'must be a string' }).max(max, `must be at most ${max} characters`);

/**
 * The properties of each standard tag. Objects are loose: extra properties are kept as sent.
 * Named properties are checked (and numbers given as strings coerced) so that the fold can rely
 * on them.
 */
export const TAG_PROPERTIES = {
  login: z.looseObject({ method: text(100).optional() }),
  register: z.looseObject({ channel: text(100).optional() }),
  purchase: z.looseObject({
    product_id: ident,
    price: amount,
    quantity: count.default(1),
    order_id: ident,
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').optional(),
    category: text(200).optional(),
  }),
  add_to_cart: z.looseObject({ product_id: ident.optional(), sku: ident.optional(), price: amount.optional(), quantity: count.optional(), category: text(200).optional() }),
  view_page: z.looseObject({ url: text(2000).optional(), page: text(500).optional() }),
  product_view: z.looseObject({ sku: ident, category: text(200).optional() }),
  ad_click: z.looseObject({ campaign: ident }),
  sms_open: z.looseObject({ promo: ident }),
  customer_service_call: z.looseObject({ duration_seconds: amount.optional(), outcome: text(200).optional() }),
  feedback_submit: z.looseObject({ rating: z.int().min(1).max(5).optional(), text: text(5000).optional() }),
  sms_reply: z.looseObject({ keyword: text(100).optional(), campaign: ident.optional() }),
  link_click: z.looseObject({ url: text(2000).optional(), campaign: ident.optional() }),
  unsubscribe: z.looseObject({ channel: z.enum(['sms', 'email']).optional() }),
} satisfies Record<StandardTag, z.ZodType>;

export type PurchaseProperties = z.infer<(typeof TAG_PROPERTIES)['purchase']>;

/** Why a stored event's property (or its properties) were left out. */
export type EventWarningReason = 'missing_property' | 'invalid_property' | 'invalid_properties' | 'properties_too_large' | 'invalid_phone' | 'ambiguous_customer_id' | 'personal_data_masked';

export interface EventWarning {
  /** `properties.sku`, `properties`, `phone`. */
  field: string;
  reason: EventWarningReason;
  detail: string;
}

/**
 * Checks a standard tag's properties. Valid ones are kept as checked (numbers given as strings
 * coerced, defaults applied), extra ones as sent; a property that is missing or malformed is left
 * out with a warning (a `product_view` without `sku` is still a product view).
 */
export function checkProperties(tag: StandardTag, properties: Record<string, unknown>): { properties: Record<string, unknown>; warnings: EventWarning[] } {
  const schema = TAG_PROPERTIES[tag];
  const checked = schema.safeParse(properties);
  if (checked.success) return { properties: checked.data as Record<string, unknown>, warnings: [] };
  const bad = new Set<string>();
  const warnings: EventWarning[] = [];
  for (const issue of checked.error.issues) {
    const key = String(issue.path[0] ?? '');
    const path = issue.path.length ? issue.path.join('.') : 'properties';
    if (!bad.has(key)) warnings.push({ field: `properties.${path}`, reason: properties[key] === undefined ? 'missing_property' : 'invalid_property', detail: `${tag}: ${path} ${issue.message}` });
    bad.add(key);
  }
  const kept = Object.fromEntries(Object.entries(properties).filter(([k]) => !bad.has(k)));
  const rest = schema.partial().safeParse(kept);
  return { properties: rest.success ? (rest.data as Record<string, unknown>) : kept, warnings };
}

/** The property that holds text reachloop sealed itself (db/sealed-fields.ts): never taken from a sender. */
const SEALED_PROPERTY = 'body_sealed';

/**
 * A sender's properties with every e-mail address and phone number in their strings masked
 * (core/mask.ts maskPersonalText), at any depth, one warning per masked property so that the
 * sender learns to stop sending them: events are behaviour, the contact is named by the event's
 * own phone or id. `body_sealed` (reserved for sealed text) is left out with a warning.
 */
export function maskPersonalProperties(properties: Record<string, unknown>): { properties: Record<string, unknown>; warnings: EventWarning[] } {
  const warnings: EventWarning[] = [];
  if (SEALED_PROPERTY in properties) {
    warnings.push({ field: `properties.${SEALED_PROPERTY}`, reason: 'invalid_property', detail: `properties.${SEALED_PROPERTY} is reserved for text reachloop seals: left out` });
    const { [SEALED_PROPERTY]: _dropped, ...rest } = properties;
    properties = rest;
  }
  const masked = maskStringsIn(properties, 'properties', (path, kinds) =>
    warnings.push({ field: path, reason: 'personal_data_masked', detail: `${path} held ${kinds.map((k) => (k === 'email' ? 'an e-mail address' : 'a phone number')).join(' and ')}: stored masked (name the contact by the event's phone, external_id or contact_id; keep personal data out of properties)` }),
  );
  return { properties: masked, warnings };
}
