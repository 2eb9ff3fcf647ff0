/**
 * Behaviour events (seed 004): the standard tags, the rules that map a source's event names (and
 * field names) onto them. One incoming event is validated by core/event-parse.ts, its properties by
 * core/event-properties.ts; the fold of a contact's events into the facts the score uses is
 * core/event-fold.ts.
 *
 * Unknown source names are not errors: they map to no standard tag and are kept raw (tag null)
 * and reported, never dropped.
 *
 * Pure: no I/O, no clock (`now` is a parameter).
 */
import { z } from 'zod';
import { FieldMappingError, parseFieldMapping, type EventField } from './event-fields';

// ---------------------------------------------------------------------------------------------
// Standard tags and their properties

export const STANDARD_TAGS = [
  'login',
  'register',
  'purchase',
  'add_to_cart',
  'view_page',
  'product_view',
  'ad_click',
  'sms_open',
  'customer_service_call',
  'feedback_submit',
  // Emitted by reachloop's own channels loop (inbound replies, tracked links, unsubscribes).
  'sms_reply',
  'link_click',
  'unsubscribe',
] as const;
export type StandardTag = (typeof STANDARD_TAGS)[number];

export const isStandardTag = (s: string): s is StandardTag => (STANDARD_TAGS as readonly string[]).includes(s);

export { TAG_PROPERTIES, type PurchaseProperties } from './event-properties';

// ---------------------------------------------------------------------------------------------
// Mapping rules: source event names -> standard tags

/** Source names that mean a standard tag, besides the tag's own name. */
export const DEFAULT_TAG_RULES: Readonly<Record<string, StandardTag>> = {
  item_detail_view: 'product_view',
  product_detail_view: 'product_view',
  view_item: 'product_view',
  page_view: 'view_page',
  pageview: 'view_page',
  screen_view: 'view_page',
  order_paid: 'purchase',
  order_completed: 'purchase',
  checkout_completed: 'purchase',
  pay_success: 'purchase',
  sign_in: 'login',
  signin: 'login',
  log_in: 'login',
  sign_up: 'register',
  signup: 'register',
  registration: 'register',
  cart_add: 'add_to_cart',
  add_cart: 'add_to_cart',
  ad_clicked: 'ad_click',
  sms_opened: 'sms_open',
  cs_call: 'customer_service_call',
  feedback: 'feedback_submit',
  sms_replied: 'sms_reply',
  click: 'link_click',
  unsubscribed: 'unsubscribe',
  opt_out: 'unsubscribe',
};

export interface TagRules {
  /** Normalised source name -> standard tag (the defaults plus the file's, unless replaced). */
  tags: ReadonlyMap<string, StandardTag>;
  /** Per standard tag: standard property name -> the source's property name. */
  properties: Readonly<Partial<Record<StandardTag, Readonly<Record<string, string>>>>>;
  /** The source's field name -> the event field it holds (`ts` -> `occurred_at`): core/event-fields.ts. */
  fields: Readonly<Record<string, EventField>>;
}

/**
 * A source name as rules compare it: NFKC, trimmed, camelCase split, lower case, and runs of
 * spaces, dashes, dots, colons and slashes turned into one underscore.
 * `ItemDetailView`, `item-detail-view` and ` item.detail.view ` all become `item_detail_view`.
 */
export function normalizeEventName(name: string): string {
  return name
    .normalize('NFKC')
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[\s\-.:/]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
}

const standardTag = z.enum(STANDARD_TAGS, { error: `must be one of ${STANDARD_TAGS.join(', ')}` });

/**
 * The rules file (`--mapping rules.json`):
 *   { "tags": { "itemDetail": "product_view", "paySuccess": "purchase" },
 *     "properties": { "purchase": { "order_id": "orderNo", "price": "payAmount" } },
 *     "replaceDefaults": false }
 * `tags` maps source names (compared after normalizeEventName) to standard tags; `properties`
 * renames a source's property to the standard one, per tag; `fields` names the source's fields
 * of the event itself ({"ts": "occurred_at", "customer_id": "external_id"}, either way round);
 * `replaceDefaults` drops the built-in source names (the standard tags always map to themselves).
 */
export const tagRulesFileSchema = z.strictObject({
  description: z.string().optional(),
  tags: z.record(z.string().min(1), standardTag).default({}),
  properties: z.partialRecord(standardTag, z.record(z.string().min(1), z.string().min(1))).default({}),
  fields: z.record(z.string().min(1), z.string().min(1)).default({}),
  replaceDefaults: z.boolean().default(false),
});

export class TagRulesError extends Error {
  constructor(readonly issues: readonly string[], source?: string) {
    super(`invalid event mapping rules${source ? ` (${source})` : ''}: ${issues.join('; ')}`);
    this.name = 'TagRulesError';
  }
}

/** Validates a parsed rules document (undefined = the defaults). Throws TagRulesError listing every problem. */
export function parseTagRules(raw: unknown, source?: string): TagRules {
  const r = tagRulesFileSchema.safeParse(raw ?? {});
  if (!r.success)
    throw new TagRulesError(
      r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}${i.code === 'unrecognized_keys' ? `; the rules' keys are: ${Object.keys(tagRulesFileSchema.shape).join(', ')}` : ''}`),
      source,
    );
  const tags = new Map<string, StandardTag>(STANDARD_TAGS.map((t) => [t, t]));
  if (!r.data.replaceDefaults) for (const [from, to] of Object.entries(DEFAULT_TAG_RULES)) tags.set(from, to);
  const clashes: string[] = [];
  for (const [from, to] of Object.entries(r.data.tags)) {
    const key = normalizeEventName(from);
    if (key === '') clashes.push(`tags.${from}: the name is empty once normalised`);
    else if (isStandardTag(key) && key !== to) clashes.push(`tags.${from}: a standard tag cannot be mapped to another (${key} -> ${to})`);
    else tags.set(key, to);
  }
  let fields: Record<string, EventField> = {};
  try {
    fields = parseFieldMapping(r.data.fields);
  } catch (err) {
    if (!(err instanceof FieldMappingError)) throw err;
    clashes.push(`fields: ${err.message}`);
  }
  if (clashes.length) throw new TagRulesError(clashes, source);
  return { tags, properties: r.data.properties, fields };
}

export const DEFAULT_RULES: TagRules = parseTagRules(undefined);

/** The standard tag of a source name, or null (unknown: kept raw and reported). */
export const resolveTag = (rawName: string, rules: TagRules = DEFAULT_RULES): StandardTag | null => rules.tags.get(normalizeEventName(rawName)) ?? null;
