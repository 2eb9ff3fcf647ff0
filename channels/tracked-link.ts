/**
 * The codes of short tracked links (core/links.ts): HMAC-SHA256 under the signing secret (the
 * one that signs unsubscribe links; the message is domain-separated, see linkCodeMessage), so
 * codes are unguessable without the secret and the same send always gets the same code.
 * Pure except node:crypto.
 */
import { createHmac } from 'node:crypto';
import { linkCodeFromMac, linkCodeMessage, type LinkKey } from '../core/links';

export type LinkCoder = (k: LinkKey) => string;

export function createLinkCoder(secret: string): LinkCoder {
  if (!secret) throw new Error('tracked links: no signing secret configured');
  return (k) => linkCodeFromMac(createHmac('sha256', secret).update(linkCodeMessage(k), 'utf8').digest());
}
