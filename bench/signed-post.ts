/**
 * A signed Twilio webhook request as the webhooks benchmark sends it, and its POST over a
 * keep-alive node:http agent (fetch/undici costs several times more CPU per request, and the
 * client shares the machine with the server and PostgreSQL). Resolves with the answer's body
 * on 200, rejects otherwise.
 */
import http from 'node:http';

export interface SignedRequest {
  url: string;
  body: string;
  signature: string;
}

export const postSigned = (agent: http.Agent, r: SignedRequest) =>
  new Promise<string>((resolve, reject) => {
    const u = new URL(r.url);
    const req = http.request(
      { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(r.body), 'x-twilio-signature': r.signature } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text}`))));
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
