/**
 * The local evidence store honours Object Lock as S3 does in compliance mode: checksums are checked on
 * every put, and a locked object can be neither replaced nor deleted before its retain-until date.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectLockedError } from '../../../functions/app/evidence-ports';
import { ChecksumMismatchError, FolderObjectStore } from '../../../infra/local/object-store';

let dir: string;
let now: Date;
let store: FolderObjectStore;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const put = (key: string, text: string, days = 400) =>
  store.put(key, Buffer.from(text), { contentType: 'application/json', sha256: sha(text), retainUntil: new Date(now.getTime() + days * 86_400_000) });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'accessgate-store-'));
  now = new Date('2026-11-26T10:00:00.000Z');
  store = new FolderObjectStore(dir, () => now);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the local Object Lock store', () => {
  it('keeps what was put, with its lock beside it', async () => {
    await put('evidence/2026/11/26/config/0000000001-0000000001.json', '{"a":1}');
    expect(Buffer.from((await store.get('evidence/2026/11/26/config/0000000001-0000000001.json'))!).toString()).toBe('{"a":1}');
    expect(store.lock('evidence/2026/11/26/config/0000000001-0000000001.json')).toMatchObject({
      sha256: sha('{"a":1}'), md5: createHash('md5').update('{"a":1}').digest('base64'), mode: 'COMPLIANCE', retainUntil: '2027-12-31T10:00:00.000Z',
    });
    expect(await store.head('evidence/2026/11/26/config/0000000001-0000000001.json')).toEqual({ key: 'evidence/2026/11/26/config/0000000001-0000000001.json', size: 7 });
  });

  it('refuses a body that does not match its checksum', async () => {
    await expect(store.put('evidence/x.json', Buffer.from('abc'), { contentType: 'text/plain', sha256: sha('abd'), retainUntil: now })).rejects.toThrow(ChecksumMismatchError);
    expect(await store.get('evidence/x.json')).toBeUndefined();
  });

  it('accepts the same bytes again, and refuses other bytes or a delete before retain-until', async () => {
    await put('digests/2026/11/26/20261126T090000Z.json', 'first');
    await put('digests/2026/11/26/20261126T090000Z.json', 'first');
    await expect(put('digests/2026/11/26/20261126T090000Z.json', 'forged')).rejects.toThrow(ObjectLockedError);
    await expect(store.delete('digests/2026/11/26/20261126T090000Z.json')).rejects.toThrow(/locked in compliance mode until 2027-12-31/);
    expect(Buffer.from((await store.get('digests/2026/11/26/20261126T090000Z.json'))!).toString()).toBe('first');
  });

  it('lets a lock run out, as S3 does', async () => {
    await put('evidence/old.json', 'old', 1);
    now = new Date('2026-11-28T00:00:00.000Z');
    await store.delete('evidence/old.json');
    expect(await store.get('evidence/old.json')).toBeUndefined();
  });

  it('lists by prefix in key order, pages with startAfter and limit, and reads ranges', async () => {
    for (const hour of ['12', '10', '11']) await put(`digests/2026/11/26/20261126T${hour}0000Z.json`, hour);
    await put('digests/2026/11/27/20261127T000000Z.json', 'next day');
    const first = await store.list('digests/2026/11/26/', { limit: 2 });
    expect(first).toEqual({ items: [{ key: 'digests/2026/11/26/20261126T100000Z.json', size: 2 }, { key: 'digests/2026/11/26/20261126T110000Z.json', size: 2 }], more: true });
    expect((await store.list('digests/2026/11/26/', { startAfter: first.items[1].key })).items.map((i) => i.key)).toEqual(['digests/2026/11/26/20261126T120000Z.json']);
    expect((await store.list('digests/')).items).toHaveLength(4);
    expect(Buffer.from((await store.get('digests/2026/11/27/20261127T000000Z.json', { offset: 5, length: 3 }))!).toString()).toBe('day');
  });

  it('refuses keys that would leave its folder', async () => {
    await expect(put('../outside.json', 'x')).rejects.toThrow(/not a valid object key/);
  });
});
