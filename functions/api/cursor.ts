/**
 * Cursors the API hands out are opaque and tamper-evident: the store's own position, base64url, then
 * an HMAC-SHA256 of it under the composition's cursor key (CURSOR_KEY, functions/config.ts). A cursor
 * that does not verify is refused with 400 naming `cursor` before any query runs, so a client can
 * neither steer the server's queries nor page into another listing's partition with one. The MAC
 * also covers the listing it was issued for (route, caller, scope): a cursor is good for that
 * listing only.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidInputError } from '../domain/errors';

const mac = (key: string, listing: string, body: string) => createHmac('sha256', key).update(`${listing}\n${body}`, 'utf8').digest();

export function sealCursor(key: string, listing: string, position: string): string {
  const body = Buffer.from(position, 'utf8').toString('base64url');
  return `${body}.${mac(key, listing, body).toString('base64url')}`;
}

/** The store's position a sealed cursor carries, if it was sealed for this listing under this key. */
export function openCursor(key: string, listing: string, cursor: string): string {
  const [body, tag, ...rest] = cursor.split('.');
  const given = Buffer.from(tag ?? '', 'base64url');
  const expected = mac(key, listing, body ?? '');
  if (rest.length || !body || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new InvalidInputError('cursor: not a cursor this API returned (pass back the cursor of the previous page unchanged)', { fields: ['cursor'] });
  }
  return Buffer.from(body, 'base64url').toString('utf8');
}
