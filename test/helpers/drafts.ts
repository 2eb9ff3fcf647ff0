import type { ContactDraft } from '../../core/intake/merge';
import type { IntakeRow } from '../../core/intake/row';

/** A valid import row of a Chinese mobile number with nothing else in it, changed by `patch`. */
export const intakeRow = (patch: Partial<IntakeRow> = {}): IntakeRow => ({
  e164: '+8613800138000', extension: null, lineType: 'mobile', country: 'CN', region: 'Asia', currency: 'CNY', language: 'zh',
  timeZones: ['Asia/Shanghai'], email: null, name: null, lastOrderAt: null, orderValue: null, channelTag: null, optInAt: null, deviceId: null,
  consentSource: null, externalId: null, registeredAt: null, firstOrderAt: null, orderCount: null, orderCurrency: null, shippingAddress: null,
  ...patch,
});

/** A contact of a Chinese mobile number from source 't' with nothing else known, changed by `patch`. */
export const contactDraft = (patch: Partial<ContactDraft> = {}): ContactDraft => ({
  e164: '+8613800138000', extension: null, lineType: 'mobile', country: 'CN', region: 'APAC', currency: 'CNY', language: 'zh', timeZones: ['Asia/Shanghai'],
  name: null, emails: [], channelTags: [], channelTag: null, sources: ['t'], deviceIds: [], lastOrderAt: null, orderValue: null, orderCurrency: null,
  registeredAt: null, firstOrderAt: null, orderCount: null, shippingAddress: null, consents: [],
  ...patch,
});
