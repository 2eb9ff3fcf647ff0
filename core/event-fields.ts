/**
 * The fields of an event as reachloop reads them, and a source's own names for them: a tracker
 * that writes `ts`, `props`, `country_hint` and keys events by `customer_id` maps them with
 * `{"ts": "occurred_at", "props": "properties", "country_hint": "country", "customer_id":
 * "external_id"}` (`events import --fields`, or `fields` in the rules file). Pure.
 */

export const EVENT_FIELDS = [
  'event_id', 'event', 'tag', 'name', 'phone', 'contact_id', 'external_id', 'customer_id', 'id_source',
  'occurred_at', 'timestamp', 'properties', 'source', 'country',
] as const;
export type EventField = (typeof EVENT_FIELDS)[number];

const isEventField = (k: string): k is EventField => (EVENT_FIELDS as readonly string[]).includes(k);

export class FieldMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldMappingError';
  }
}

/**
 * A mapping of the source's field names onto event fields. Each pair may be written either way
 * round: `{"ts": "occurred_at"}` (source -> field, as a tracker's export reads) or `{"external_id":
 * "customer_id"}` (field -> source, as an audience import's --mapping file reads): a pair whose
 * value is an event field maps its key onto it; otherwise its key must be one. Throws
 * FieldMappingError naming every pair that maps onto no field, with the valid ones.
 */
export function parseFieldMapping(doc: unknown): Record<string, EventField> {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new FieldMappingError(`the field mapping must be a JSON object such as {"ts": "occurred_at"}; fields are: ${EVENT_FIELDS.join(', ')}`);
  const out: Record<string, EventField> = {};
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(doc)) {
    if (typeof v !== 'string' || v.trim() === '') unknown.push(`"${k}" must map to a field name (a non-empty string)`);
    else if (isEventField(v)) out[k] = v;
    else if (isEventField(k)) out[v] = k;
    else unknown.push(`"${k}": "${v}" names no event field`);
  }
  if (unknown.length) throw new FieldMappingError(`${unknown.join('; ')}; fields are: ${EVENT_FIELDS.join(', ')}`);
  return out;
}

/** The event with the source's field names replaced by reachloop's (the mapping's name wins over one already there). */
export function renameFields(event: Record<string, unknown>, fields: Readonly<Record<string, EventField>>): Record<string, unknown> {
  let out = event;
  for (const [from, to] of Object.entries(fields)) {
    if (from === to || !(from in event)) continue;
    if (out === event) out = { ...event };
    out[to] = event[from];
    delete out[from];
  }
  return out;
}
