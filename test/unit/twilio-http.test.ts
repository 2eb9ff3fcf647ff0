// channels/twilio-http.ts: the lean HTTP client (undici) the twilio library sends through, against
// raw TCP servers that answer the way real servers may (chunked bodies split anywhere,
// Connection: close, lost and hung responses), and through the library itself.
import net from 'node:net';
import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { formEncode, HttpClientError, LeanRequestClient } from '../../channels/twilio-http';

const ACCOUNT = `AC${'a'.repeat(32)}`;
const servers: Array<{ server: net.Server; sockets: Set<net.Socket> }> = [];

afterEach(async () => {
  for (const { server, sockets } of servers.splice(0)) {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
});

interface Received {
  head: string;
  body: string;
  connection: number;
}

/**
 * A TCP server reading HTTP/1.1 requests (Content-Length bodies) and answering each with
 * whatever `answer` writes to the socket. Counts connections.
 */
async function rawServer(answer: (socket: net.Socket, req: Received) => void) {
  const received: Received[] = [];
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const connection = ++connections;
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const req = { head, body: buf.toString('utf8', end + 4, end + 4 + length), connection };
        buf = buf.subarray(end + 4 + length);
        received.push(req);
        answer(socket, req);
      }
    });
    socket.on('error', () => {});
  });
  servers.push({ server, sockets });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, connections: () => connections };
}

const json = (status: number, body: unknown, extra = '') => {
  const text = JSON.stringify(body);
  return `HTTP/1.1 ${status} X\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${extra}\r\n${text}`;
};
const message = (to: string, body: string) => ({ sid: `SM${'b'.repeat(32)}`, to, body, status: 'queued', date_created: 'Thu, 24 Aug 2023 05:01:45 +0000' });

describe('LeanRequestClient', () => {
  it('sends what the library builds (path, basic auth, form body) and reuses one keep-alive connection', async () => {
    const srv = await rawServer((socket, req) => {
      const form = new URLSearchParams(req.body);
      socket.write(json(201, message(form.get('To')!, form.get('Body')!)));
    });
    const client = twilio(ACCOUNT, 'secret', { httpClient: new LeanRequestClient({ apiBase: `${srv.url}/prefix` }) as never });
    const first = await client.messages.create({ to: '+8613800138000', from: '+15005550006', body: '冬季特卖 50% off & more', statusCallback: 'http://cb.example/s?ledgerId=7' });
    const second = await client.messages.create({ to: '+8613800138001', from: '+15005550006', body: 'second' });
    expect(first).toMatchObject({ to: '+8613800138000', body: '冬季特卖 50% off & more', status: 'queued' });
    expect(second.to).toBe('+8613800138001');
    const [req] = srv.received;
    expect(req!.head).toMatch(new RegExp(`^POST /prefix/2010-04-01/Accounts/${ACCOUNT}/Messages.json HTTP/1.1\r\n`));
    expect(req!.head.toLowerCase()).toContain(`authorization: basic ${Buffer.from(`${ACCOUNT}:secret`).toString('base64')}`.toLowerCase());
    expect(req!.head.toLowerCase()).toContain('content-type: application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(req!.body))).toEqual({
      To: '+8613800138000',
      From: '+15005550006',
      Body: '冬季特卖 50% off & more',
      StatusCallback: 'http://cb.example/s?ledgerId=7',
    });
    // Kept alive: back-to-back requests share the pool's connections (undici may open a second
    // one while the first is being released), they do not connect per request.
    const third = await client.messages.create({ to: '+8613800138002', from: '+15005550006', body: 'third' });
    expect(third.to).toBe('+8613800138002');
    expect(srv.connections()).toBeLessThanOrEqual(2);
  });

  it('reads chunked bodies split anywhere (even inside a UTF-8 character)', async () => {
    const text = JSON.stringify(message('+15551230001', '你好, chunked'));
    const bytes = Buffer.from(text);
    const srv = await rawServer((socket) => {
      const parts = [bytes.subarray(0, 7), bytes.subarray(7, 40), bytes.subarray(40)];
      const wire = Buffer.concat([
        Buffer.from('HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n'),
        ...parts.flatMap((p) => [Buffer.from(`${p.length.toString(16)};x=1\r\n`), p, Buffer.from('\r\n')]),
        Buffer.from('0\r\nX-Trailer: y\r\n\r\n'),
      ]);
      // One byte at a time: every parser state meets a boundary.
      let i = 0;
      const drip = () => {
        if (i < wire.length) socket.write(wire.subarray(i, ++i), () => setImmediate(drip));
      };
      drip();
    });
    const client = new LeanRequestClient({ apiBase: srv.url });
    const res = await client.request({ method: 'post', uri: 'https://api.twilio.com/x', data: { A: '1' }, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(res.statusCode).toBe(201);
    expect(JSON.parse(res.body)).toEqual(message('+15551230001', '你好, chunked'));
    expect(res.headers['transfer-encoding']).toBe('chunked');
    // The connection stays usable.
    await expect(client.request({ method: 'get', uri: 'https://api.twilio.com/x' })).resolves.toMatchObject({ statusCode: 201 });
  });

  it('a response with Connection: close or no length is read to the end and the next request reconnects', async () => {
    let n = 0;
    const srv = await rawServer((socket) => {
      if (n++ === 0) socket.end(json(200, { n }, 'Connection: close\r\n'));
      else socket.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"read":"until close"}');
    });
    const client = new LeanRequestClient({ apiBase: srv.url });
    expect(JSON.parse((await client.request({ method: 'get', uri: 'https://api.twilio.com/a' })).body)).toEqual({ n: 1 });
    expect(JSON.parse((await client.request({ method: 'get', uri: 'https://api.twilio.com/b' })).body)).toEqual({ read: 'until close' });
    expect(srv.connections()).toBe(2);
  });

  it('Twilio error JSON becomes the library RestException with code and status', async () => {
    const srv = await rawServer((socket) => socket.write(json(400, { code: 21211, message: "The 'To' number is not valid.", more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 })));
    const client = twilio(ACCOUNT, 'secret', { httpClient: new LeanRequestClient({ apiBase: srv.url }) as never });
    const err = await client.messages.create({ to: '+1', from: '+15005550006', body: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(twilio.RestException);
    expect(err).toMatchObject({ status: 400, code: 21211, message: "The 'To' number is not valid." });
  });

  it('failures carry codes: refused (never sent), reset after sending, timeout', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await new LeanRequestClient({ apiBase: `http://127.0.0.1:${port}` }).request({ method: 'get', uri: 'https://api.twilio.com/x' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });

    const resetting = await rawServer((socket) => socket.destroy());
    const reset = await new LeanRequestClient({ apiBase: resetting.url }).request({ method: 'post', uri: 'https://api.twilio.com/x' }).catch((e: unknown) => e);
    expect(reset).toBeInstanceOf(HttpClientError);
    expect(reset).toMatchObject({ code: 'ECONNRESET' });

    const hanging = await rawServer(() => {});
    const started = Date.now();
    const timedOut = await new LeanRequestClient({ apiBase: hanging.url, timeout: 150 }).request({ method: 'post', uri: 'https://api.twilio.com/x' }).catch((e: unknown) => e);
    expect(timedOut).toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('an idle connection the server closed is not reused', async () => {
    const srv = await rawServer((socket) => {
      socket.write(json(200, { ok: true }));
      setTimeout(() => socket.end(), 10);
    });
    const client = new LeanRequestClient({ apiBase: srv.url });
    await client.request({ method: 'get', uri: 'https://api.twilio.com/a' });
    await new Promise((r) => setTimeout(r, 50));
    await expect(client.request({ method: 'get', uri: 'https://api.twilio.com/b' })).resolves.toMatchObject({ statusCode: 200 });
    expect(srv.connections()).toBe(2);
  });

  it('at most maxSockets connections; further requests wait their turn', async () => {
    const srv = await rawServer((socket) => setTimeout(() => socket.write(json(200, { ok: true })), 5));
    const client = new LeanRequestClient({ apiBase: srv.url, maxSockets: 3 });
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => client.request({ method: 'get', uri: `https://api.twilio.com/${i}` })));
    expect(all.every((r) => r.statusCode === 200)).toBe(true);
    expect(srv.connections()).toBe(3);
    expect(srv.received).toHaveLength(20);
  });

  it('list query parameters are sent as twilio-node sends them', async () => {
    const srv = await rawServer((socket) => socket.write(json(200, { messages: [], next_page_uri: null, page: 0, page_size: 20 })));
    const client = twilio(ACCOUNT, 'secret', { httpClient: new LeanRequestClient({ apiBase: srv.url }) as never });
    expect(await client.messages.list({ to: '+8613800138000', pageSize: 20, limit: 20 })).toEqual([]);
    const line = srv.received[0]!.head.split('\r\n')[0]!;
    expect(line).toBe(`GET /2010-04-01/Accounts/${ACCOUNT}/Messages.json?To=%2B8613800138000&PageSize=20 HTTP/1.1`);
  });
});

describe('formEncode', () => {
  it('encodes like qs with arrayFormat repeat: %20 for spaces, repeated keys, no null/undefined', () => {
    expect(formEncode({ To: '+1 555', Body: 'a&b=c ü', N: 3, T: true, Skip: undefined, Null: null, MediaUrl: ['http://x/1', 'http://x/2'] })).toBe(
      'To=%2B1%20555&Body=a%26b%3Dc%20%C3%BC&N=3&T=true&MediaUrl=http%3A%2F%2Fx%2F1&MediaUrl=http%3A%2F%2Fx%2F2',
    );
  });
});
