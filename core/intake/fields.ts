/**
 * The columns an import can carry, and how a file's header maps onto them. A mapping file
 * (`--mapping cols.json`, e.g. {"phone": "Mobile No."}) names the source column per field;
 * without one, headers are matched against common names (case, spaces and punctuation ignored).
 */
export const INTAKE_FIELDS = ['phone', 'email', 'name', 'country', 'last_order_at', 'order_value', 'channel_tag', 'opt_in_at', 'device_id', 'consent_source'] as const;
export type IntakeField = (typeof INTAKE_FIELDS)[number];

/** A row as read from the file, by canonical field (absent = empty). */
export type RawFields = Partial<Record<IntakeField, string>>;

const SYNONYMS: Record<IntakeField, string[]> = {
  phone: ['phone', 'mobile', 'mobilephone', 'phonenumber', 'msisdn', 'tel', 'telephone', 'cell', 'cellphone', '手机', '手机号', '电话', '手机号码'],
  email: ['email', 'emailaddress', 'mail', '邮箱', '电子邮件'],
  name: ['name', 'fullname', 'customername', '姓名', '名字'],
  country: ['country', 'countrycode', 'region', '国家'],
  last_order_at: ['lastorderat', 'lastorder', 'lastorderdate', 'lastpurchase', 'lastpurchaseat', '最近下单时间'],
  order_value: ['ordervalue', 'averageordervalue', 'aov', 'amount', 'ordertotal', '订单金额'],
  channel_tag: ['channeltag', 'channel', 'tag', 'source', '渠道'],
  opt_in_at: ['optinat', 'optin', 'consentat', 'consentedat', 'subscribedat', '同意时间'],
  device_id: ['deviceid', 'device', 'devicefingerprint', 'fingerprint', '设备'],
  /** How the consent was obtained (web_form, pre_ticked, purchased_list...: the contact policy's consent.sources). */
  consent_source: ['consentsource', 'optinsource', 'optinmethod', 'consentmethod', 'consenttype', '同意来源'],
};

const squash = (h: string) => h.normalize('NFKC').toLowerCase().replace(/[\s_\-.:/()#]+/g, '');

export type ColumnMapping = Partial<Record<IntakeField, string>>;

export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

/**
 * Column index per field for this header. Throws MappingError if the mapping names an unknown
 * field or a column the header lacks, or if no phone column can be found.
 */
export function resolveColumns(header: readonly string[], mapping: ColumnMapping = {}): Partial<Record<IntakeField, number>> {
  const out: Partial<Record<IntakeField, number>> = {};
  const squashed = header.map(squash);
  for (const [field, column] of Object.entries(mapping)) {
    if (!(INTAKE_FIELDS as readonly string[]).includes(field))
      throw new MappingError(`mapping names an unknown field "${field}"; fields are: ${INTAKE_FIELDS.join(', ')}`);
    const idx = header.indexOf(column!);
    const loose = idx >= 0 ? idx : squashed.indexOf(squash(column!));
    if (loose < 0) throw new MappingError(`mapping says ${field} is column "${column}", but the header has: ${header.join(', ')}`);
    out[field as IntakeField] = loose;
  }
  for (const field of INTAKE_FIELDS) {
    if (out[field] !== undefined) continue;
    const idx = squashed.findIndex((h) => SYNONYMS[field].includes(h));
    if (idx >= 0 && !Object.values(out).includes(idx)) out[field] = idx;
  }
  if (out.phone === undefined && out.email === undefined)
    throw new MappingError(`no phone or e-mail column found in the header (${header.join(', ')}); name it with --mapping, e.g. {"phone": "Mobile"}`);
  return out;
}

/** Picks the mapped fields of one record (array of cells, for CSV; object, for JSON Lines). */
export function pickFields(cells: readonly string[], columns: Partial<Record<IntakeField, number>>): RawFields {
  const out: RawFields = {};
  for (const field of INTAKE_FIELDS) {
    const i = columns[field];
    if (i === undefined) continue;
    const v = cells[i];
    if (v !== undefined && v.trim() !== '') out[field] = v;
  }
  return out;
}

/** JSON Lines objects: keys are matched like CSV headers. */
export function pickJsonFields(obj: Record<string, unknown>, mapping: ColumnMapping = {}): RawFields {
  const keys = Object.keys(obj);
  const columns = resolveColumns(keys, mapping);
  const cells = keys.map((k) => {
    const v = obj[k];
    return v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
  return pickFields(cells, columns);
}
