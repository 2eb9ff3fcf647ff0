/**
 * The columns an import can carry, and how a file's header maps onto them. A mapping file
 * (`--mapping cols.json`, e.g. {"phone": "Mobile No."}) names the source column per field;
 * without one, headers are matched against common names (case, spaces and punctuation ignored).
 */
export const INTAKE_FIELDS = [
  'phone', 'email', 'name', 'country', 'last_order_at', 'order_value', 'channel_tag', 'opt_in_at', 'device_id', 'consent_source',
  'external_id', 'registered_at', 'first_order_at', 'order_count', 'currency', 'shipping_address',
] as const;
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
  /** The source's own customer id (kept per import source: the join key of later imports and events). */
  external_id: ['externalid', 'customerid', 'customerno', 'customernumber', 'clientid', 'memberid', 'contactid', 'recordid', 'crmid', 'accountid', '客户编号', '客户id', '会员编号', '会员id'],
  /** When the customer registered (the account's creation in the source). */
  registered_at: ['registeredat', 'registered', 'registrationdate', 'registeredon', 'createdat', 'created', 'createdon', 'creationdate', 'signupdate', 'signupat', 'signedupat', 'joinedat', 'joindate', 'customersince', 'membersince', '注册时间', '注册日期', '创建时间'],
  first_order_at: ['firstorderat', 'firstorder', 'firstorderdate', 'firstpurchase', 'firstpurchaseat', 'firstpurchasedate', '首次下单时间', '首单时间'],
  order_count: ['ordercount', 'orders', 'numberoforders', 'totalorders', 'orderscount', 'purchasecount', 'numorders', '订单数', '订单数量', '下单次数'],
  /** ISO 4217 code of order_value (default: the currency of the number's country). */
  currency: ['currency', 'currencycode', 'ordercurrency', '币种', '货币'],
  shipping_address: ['shippingaddress', 'address', 'deliveryaddress', 'shipto', 'streetaddress', 'postaladdress', '收货地址', '配送地址', '地址'],
};

const squash = (h: string) => h.normalize('NFKC').toLowerCase().replace(/[\s_\-.:/()#]+/g, '');

export type ColumnMapping = Partial<Record<IntakeField, string>>;

export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

const isField = (k: string): k is IntakeField => (INTAKE_FIELDS as readonly string[]).includes(k);

/**
 * Checks a mapping document (`--mapping cols.json`) before any row is read: an object of field ->
 * column name. Throws MappingError naming every unknown field (with the valid ones) or bad value.
 */
export function checkMapping(doc: unknown): ColumnMapping {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new MappingError(`the mapping must be a JSON object of field -> column name, e.g. {"phone": "Mobile"}; fields are: ${INTAKE_FIELDS.join(', ')}`);
  const problems: string[] = [];
  for (const [field, column] of Object.entries(doc)) {
    if (!isField(field)) problems.push(`unknown field "${field}"`);
    else if (typeof column !== 'string' || column.trim() === '') problems.push(`${field} must name a column (a non-empty string)`);
  }
  if (problems.length) throw new MappingError(`the mapping has ${problems.join('; ')}; fields are: ${INTAKE_FIELDS.join(', ')}`);
  return doc as ColumnMapping;
}

/**
 * Column index per field for this header. Throws MappingError if the mapping names an unknown
 * field or a column the header lacks, or (requireKey) if no phone, e-mail or customer id column
 * can be found.
 */
export function resolveColumns(header: readonly string[], mapping: ColumnMapping = {}, requireKey = true): Partial<Record<IntakeField, number>> {
  const out: Partial<Record<IntakeField, number>> = {};
  const squashed = header.map(squash);
  for (const [field, column] of Object.entries(mapping)) {
    if (!isField(field)) throw new MappingError(`the mapping has unknown field "${field}"; fields are: ${INTAKE_FIELDS.join(', ')}`);
    const idx = header.indexOf(column!);
    const loose = idx >= 0 ? idx : squashed.indexOf(squash(column!));
    if (loose < 0) throw new MappingError(`mapping says ${field} is column "${column}", but the header has: ${header.join(', ')}`);
    out[field] = loose;
  }
  for (const field of INTAKE_FIELDS) {
    if (out[field] !== undefined) continue;
    const idx = squashed.findIndex((h) => SYNONYMS[field].includes(h));
    if (idx >= 0 && !Object.values(out).includes(idx)) out[field] = idx;
  }
  if (requireKey && out.phone === undefined && out.email === undefined && out.external_id === undefined)
    throw new MappingError(`no phone, e-mail or customer id column found in the header (${header.join(', ')}); name it with --mapping, e.g. {"phone": "Mobile"}`);
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

/**
 * JSON Lines objects: keys are matched like CSV headers. A key the mapping names that an object
 * lacks is an empty field (JSON writers leave out null values); the mapping itself is checked
 * once, before the file is read (checkMapping).
 */
export function pickJsonFields(obj: Record<string, unknown>, mapping: ColumnMapping = {}): RawFields {
  const keys = Object.keys(obj);
  const present: ColumnMapping = {};
  for (const [field, key] of Object.entries(mapping) as Array<[IntakeField, string]>) if (key in obj) present[field] = key;
  const columns = resolveColumns(keys, present, false);
  const cells = keys.map((k) => {
    const v = obj[k];
    return v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
  return pickFields(cells, columns);
}
