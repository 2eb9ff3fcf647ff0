import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { shippingAddressKey } from '../core/recovery/match';
import { addressHash, phoneHash } from '../db/contacts';
import { isolatedDatabase, runCli, startTestWorker, type TestDatabase, type TestWorker } from './helpers/harness';
import { queryPlain } from './helpers/contacts';

// A brand's CRM export through `reachloop audience import` on the real stack (Temporal, PostgreSQL,
// the worker): the source's customer id (kept per source: later imports reach the same contact by
// it, even without a phone), registration and first-order dates, order count, the currency of the
// order value, the shipping address (hashed for recovery's address route), the survivor's channel
// tag as the primary one.

let db: TestDatabase;
let worker: TestWorker;
let env: Record<string, string>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-crm-'));

beforeAll(async () => {
  db = await isolatedDatabase();
  worker = await startTestWorker(defaultActivityDeps(db.pool, { now: () => new Date('2026-11-25T12:00:00Z') }));
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: worker.taskQueue };
});
afterAll(async () => {
  await worker?.stop();
  await db?.drop();
});

const write = (name: string, lines: string[]) => {
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const importFile = async (file: string, ...args: string[]): Promise<any> => {
  const res = await runCli(['audience', 'import', file, '--json', ...args], env);
  if (res.code !== 0) throw new Error(`import failed (${res.code}): ${res.stderr}`);
  return JSON.parse(res.stdout);
};
const contact = async (phone: string) => (await queryPlain(db.pool, 'SELECT * FROM contacts WHERE phone_hash = $1', [phoneHash(phone)]))[0];
const holderOf = async (source: string, externalId: string) =>
  (await queryPlain(db.pool, 'SELECT c.phone_enc FROM contact_external_ids x JOIN contacts c ON c.id = x.contact_id WHERE x.source = $1 AND x.external_id = $2', [source, externalId]))[0]?.phone_e164;

const ANN = '+8613800138001';
const BEN = '+8613800138002';
const CAI = '+8613800138003';
const DAN = '+8613800138004';

describe('a CRM export', () => {
  it('maps customer id, dates, order count, currency and shipping address onto the contact', async () => {
    const file = write('crm.csv', [
      '客户编号,phone,email,created_at,first_order_date,last_order_at,order_value,currency,Total Orders,channel,shipping_address',
      `C-1,${ANN},ann@example.com,2023-04-01,2023-04-03,2026-10-01,99.50,usd,12,app,"Room 5, No.18 Jianguo Rd, Beijing"`,
      `C-2,${BEN},,2024-01-10 09:30,,2026-09-01,120,,3,web,`,
      // The same person twice (same number): the later transaction's row is the survivor.
      `C-3,${CAI},,2025-02-01,,2026-03-01,50,,2,store,`,
      `C-3,${CAI},,2025-01-15,,2026-08-01,70,,4,wechat,`,
    ]);
    const report = await importFile(file, '--source', 'crm', '--default-country', 'CN');
    expect(report).toMatchObject({ accepted: 4, contacts: 3, created: 3, rejected: 0 });
    const ann = await contact(ANN);
    expect(ann).toMatchObject({ source_order_count: 12, order_currency: 'USD', shipping_address: 'Room 5, No.18 Jianguo Rd, Beijing', channel_tag: 'app' });
    expect([ann.registered_at.toISOString(), ann.first_order_at.toISOString()]).toEqual(['2023-04-01T00:00:00.000Z', '2023-04-03T00:00:00.000Z']);
    // The order value's currency defaults to the number's country's.
    expect(await contact(BEN)).toMatchObject({ order_currency: 'CNY', source_order_count: 3, first_order_at: null });
    const cai = await contact(CAI);
    expect(cai).toMatchObject({ channel_tag: 'wechat', channel_tags: ['store', 'wechat'], source_order_count: 4, order_value: '70.00' });
    expect(cai.registered_at.toISOString()).toBe('2025-01-15T00:00:00.000Z');
    // The customer ids, per source; the address hashed for the recovery route.
    expect([await holderOf('crm', 'C-1'), await holderOf('crm', 'C-2'), await holderOf('crm', 'C-3'), await holderOf('other', 'C-1')]).toEqual([ANN, BEN, CAI, undefined]);
    const addresses = await db.pool.query('SELECT address_hash FROM contact_addresses WHERE contact_id = $1', [ann.id]);
    expect(addresses.rows).toEqual([{ address_hash: addressHash(shippingAddressKey('room 5 no 18 jianguo rd beijing')) }]);
    // `contact show` tells what the source said, the address masked like numbers and e-mails.
    const shown = JSON.parse((await runCli(['contact', 'show', '--reason', 'test read', ANN, '--json'], env)).stdout);
    expect(shown.fromSource).toEqual({
      customerIds: [{ source: 'crm', id: 'C-1' }], channelTag: 'app', registeredAt: '2023-04-01T00:00:00.000Z', firstOrderAt: '2023-04-03T00:00:00.000Z',
      orderCount: 12, orderCurrency: 'USD', shippingAddress: 'Room… (33 characters)',
    });
    const text = (await runCli(['contact', 'show', '--reason', 'test read', ANN], env)).stdout;
    expect(text).toMatch(/customer id C-1 \(crm\); primary tag app; registered 2023-04-01T00:00:00.000Z; first order 2023-04-03T00:00:00.000Z; orders \(source\) 12/);
    expect(text).toMatch(/order value 99.5 USD/);
  });

  it('a later file of the same source reaches the contacts by customer id, without a phone; an unknown id is rejected with its line', async () => {
    const file = write('orders-update.csv', [
      'customer_id,order_count,last_order_at,phone',
      'C-1,14,2026-11-20,', // no phone: Ann by her customer id
      `C-4,1,2026-11-21,${DAN}`, // a new customer with a phone ...
      'C-4,2,2026-11-22,', // ... and a later row of the same file without one
      'C-9,5,2026-11-22,', // nobody has C-9
    ]);
    const report = await importFile(file, '--source', 'crm', '--default-country', 'CN');
    expect(report).toMatchObject({ rowsRead: 4, accepted: 3, rejected: 1, rejectedByReason: { missing_phone: 1 }, created: 1 });
    const ann = await contact(ANN);
    expect([ann.source_order_count, ann.last_order_at.toISOString(), ann.shipping_address]).toEqual([14, '2026-11-20T00:00:00.000Z', 'Room 5, No.18 Jianguo Rd, Beijing']);
    expect(await contact(DAN)).toMatchObject({ source_order_count: 2 });
    expect(await holderOf('crm', 'C-4')).toBe(DAN);
    const rejects = readFileSync(`${file}.rejects.csv`, 'utf8');
    expect(rejects).toMatch(/"5","missing_phone","no phone number, and the customer id \(3 characters: letters, digits, symbols\) is not known/);
    // Another source's ids are its own: C-1 of "shop" names nobody.
    const other = await importFile(write('shop.csv', ['customer_id,order_count', 'C-1,99']), '--source', 'shop');
    expect(other).toMatchObject({ accepted: 0, rejected: 1 });
    expect((await contact(ANN)).source_order_count).toBe(14);
  });

  it('a customer id on another number in a later import moves to that number (the latest statement of the source)', async () => {
    const NEW = '+8613800138009';
    await importFile(write('moved.csv', ['customer_id,phone,created_at', `C-2,${NEW},2026-11-01`]), '--source', 'crm');
    expect(await holderOf('crm', 'C-2')).toBe(NEW);
    expect(await contact(BEN)).toBeDefined(); // the old number stays a contact of its own
  });

  it('a mapping naming an unknown field is refused before any row is read, CSV or JSON Lines alike', async () => {
    const mapping = path.join(dir, 'map.json');
    writeFileSync(mapping, JSON.stringify({ phone: 'mobile', customer_no: 'cid' }));
    for (const file of [write('m.csv', ['mobile,cid', `${ANN},C-1`]), write('m.jsonl', [JSON.stringify({ mobile: ANN, cid: 'C-1' })])]) {
      const res = await runCli(['audience', 'import', file, '--mapping', mapping], env);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/unknown field "customer_no"; fields are: phone, email, .*external_id/);
    }
  });
});
