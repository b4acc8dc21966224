/**
 * The auditor's story on the local runtime, with 2-second digest periods: sessions are run, reviewed,
 * denied, forced and refused; the exporter writes their evidence under lock, the sealer signs a digest
 * per period; an auditor pulls the evidence through the API with the real `accessgate` bin, verifies it
 * offline and writes the report. Then every kind of tampering with the pulled folder must be caught,
 * and the local store must refuse to replace or delete what it holds.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/accessgate';
import type { Io } from '../../cli/lib/command';
import { ObjectLockedError } from '../../functions/app/evidence-ports';
import { canonicalBytes, digestStringToSign, type EvidenceSegment, sha256Hex, type SignedDigest } from '../../functions/domain/evidence';
import { type LocalStack, startLocalStack } from '../../infra/local/stack';
import { cli } from '../cli/run-cli';
import { rsaKey, signWith } from '../fixtures/evidence';
import { ApiClient } from './client';

let stack: LocalStack;
let work: string;
let pulled: string;
let trustedKey: string;
const as: Record<string, ApiClient> = {};
const ids: Record<string, string> = {};
const startedAt = new Date();

const env = async (email: string) => ({ ACCESSGATE_API: stack.url, ACCESSGATE_TOKEN: await stack.token(email) });

/** Waits for the open period to end and seals it, so everything exported so far is in a digest. */
async function sealEverything(): Promise<Date> {
  await stack.evidence.flush();
  const period = stack.evidence.periodSeconds * 1000;
  const end = Math.floor(Date.now() / period) * period + period;
  await new Promise((resolve) => setTimeout(resolve, end - Date.now() + 50));
  await stack.evidence.seal();
  return new Date(end);
}

async function verify(folder: string, ...extra: string[]) {
  let out = '';
  const io: Io = {
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: () => true },
    stdin: process.stdin,
    env: {},
    signal: new AbortController().signal,
  };
  const code = await main(['audit', 'verify', folder, '--public-key', trustedKey, ...extra], io);
  return { code, out, problems: code === 1 && extra.includes('--json') ? (JSON.parse(out).problems as { kind: string; key?: string }[]) : [] };
}

/** A fresh copy of the pulled folder to tamper with. */
function copy(name: string): string {
  const dir = join(work, name);
  cpSync(pulled, dir, { recursive: true });
  return dir;
}

const files = (dir: string, prefix: string): string[] =>
  (readdirSync(join(dir, prefix), { recursive: true }) as string[]).filter((name) => name.endsWith('.json') || name.endsWith('.pem') || name.endsWith('.gz')).map((name) => `${prefix}/${name}`.replaceAll('\\', '/'));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'accessgate-audit-e2e-'));
  stack = await startLocalStack({ port: 0, retryIntervalMs: 10, digestSeconds: 2, web: false });
  for (const name of ['alice', 'bob', 'grace', 'henry', 'carol', 'dana', 'erin']) as[name] = await ApiClient.as(stack, `${name}@example.com`);
  trustedKey = join(work, 'accessgate-digest-key.pem');
  writeFileSync(trustedKey, await stack.evidence.signer.publicKeyPem());

  const submit = async (who: string, resource: string, command: string, extra: Record<string, unknown> = {}) =>
    (await as[who].post('/sessions?wait=10', { resource, command, ...extra })).body.session.id as string;
  ids.approved = await submit('alice', 'postgres-demo', 'select id, name from customers order by id limit 2', { reason: 'ticket <b>1</b>' });
  expect((await as.henry.post(`/sessions/${ids.approved}/review`, { decision: 'approve' })).status).toBe(200);
  ids.unreviewed = await submit('alice', 'postgres-staging', 'select count(*) from orders');
  ids.denied = await submit('alice', 'postgres-demo', 'delete from orders');
  await as.grace.post(`/sessions/${ids.denied}/review`, { decision: 'deny', reason: 'deletes every order' });
  ids.forced = await submit('carol', 'postgres-demo', 'select 1 as ok');
  await as.carol.post(`/sessions/${ids.forced}/review`, { decision: 'approve', force: true, reason: 'INC-42 outage' });
  ids.selfReview = await submit('henry', 'postgres-demo', 'select 2');
  expect((await as.henry.post(`/sessions/${ids.selfReview}/review`, { decision: 'approve' })).status).toBe(403);
  await as.henry.post(`/sessions/${ids.selfReview}/cancel`);
  const rule = (await as.dana.get('/rules/dba-by-command')).body.rule;
  await as.dana.put('/rules/dba-by-command', { ...rule, description: 'edited by the audit test' });
  for (const id of Object.values(ids)) await as.alice.get(`/sessions/${id}?wait=10`);
  await stack.evidence.exportTable();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('audit evidence, end to end', () => {
  it('lets auditors list sessions as CSV over HTTP, and nobody else', async () => {
    const response = await fetch(`${stack.url}/audit/sessions?format=csv&resource=postgres-demo`, { headers: { authorization: `Bearer ${await stack.token('erin@example.com')}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const csv = await response.text();
    for (const id of [ids.approved, ids.denied, ids.forced]) expect(csv).toContain(id);
    expect(csv).not.toContain(ids.unreviewed);
    expect((await as.alice.get('/audit/sessions')).status).toBe(403);
    expect((await as.dana.get('/audit/exports?from=2026-01-01&to=2026-01-02')).status).toBe(403);
  });

  it('exports, seals, pulls with the real CLI, and verifies', async () => {
    // Enough periods for a chain with a middle (empty periods are sealed too).
    let sealedUntil = await sealEverything();
    while ((await stack.evidence.store.list('digests/')).items.length < 5) sealedUntil = await sealEverything();
    pulled = join(work, 'pulled');
    const from = new Date(startedAt.getTime() - 3_600_000).toISOString();
    const pull = await cli(['audit', 'pull', '--from', from, '--to', sealedUntil.toISOString(), '--out', pulled], await env('erin@example.com'));
    expect(pull.stderr).toBe('');
    expect(pull.code).toBe(0);
    expect(pull.stdout).toMatch(/^Pulled \d+ digest\(s\) and \d+ object\(s\) from http:\/\/127\.0\.0\.1:\d+ into /);

    // Every final session, the configuration change, the refused self-review and the day's table export.
    const evidence = files(pulled, 'evidence');
    for (const id of Object.values(ids)) expect(evidence.some((key) => key.includes(`/sessions/${id}/`))).toBe(true);
    expect(evidence.some((key) => key.includes('/config/'))).toBe(true);
    expect(evidence.some((key) => key.includes('/security/'))).toBe(true);
    expect(files(pulled, 'table-exports').some((key) => key.endsWith('manifest-summary.json'))).toBe(true);
    const approved = JSON.parse(readFileSync(join(pulled, evidence.find((key) => key.includes(ids.approved))!), 'utf8')) as EvidenceSegment;
    const types = approved.events.map((event) => event.type);
    expect(types[0]).toBe('session.requested');
    // The review request is posted in the background, so its record may follow an approval that came first.
    expect(types.filter((type) => type !== 'review.requested').slice(-3)).toEqual(['session.approved', 'session.running', 'session.done']);
    expect(types).toContain('review.requested');
    expect(types.indexOf('review.approved')).toBeLessThan(types.indexOf('session.approved'));

    const verified = await cli(['audit', 'verify', pulled, '--public-key', trustedKey], {});
    expect(verified.stdout).toMatch(/^VERIFIED: \d+ digest\(s\)/);
    expect(verified.code).toBe(0);
    expect((await verify(pulled)).code).toBe(0);

    // Anyone else is refused by the API.
    const refused = await cli(['audit', 'pull', '--from', from, '--to', sealedUntil.toISOString(), '--out', join(work, 'refused')], await env('alice@example.com'));
    expect(refused.code).toBe(7);
    expect(refused.stderr).toMatch(/Only auditors can read audit exports/);
  });

  it('writes the evidence report from the verified folder', async () => {
    const report = await cli(['audit', 'report', pulled, '--public-key', trustedKey], {});
    expect(report.code).toBe(0);
    const html = readFileSync(join(pulled, 'report', 'all', 'report.html'), 'utf8');
    expect(html).toContain('Evidence VERIFIED');
    expect(html).toContain('ticket &lt;b&gt;1&lt;/b&gt;');
    expect(html).toContain('INC-42 outage');
    expect(html).toContain('deletes every order');
    expect(html).toContain('self_review');
    expect(html).toContain('edited by the audit test');
    expect(readFileSync(join(pulled, 'report', 'all', 'approvals.csv'), 'utf8')).toContain('henry@example.com');
    // Its parameters can be checked against the pulled digests themselves.
    const parameters = new Map(readFileSync(join(pulled, 'report', 'all', 'parameters.csv'), 'utf8').trim().split('\r\n').slice(1).map((line) => line.split(',').slice(0, 2) as [string, string]));
    const digestFiles = files(pulled, 'digests').sort();
    expect(parameters.get('first_digest')).toBe(digestFiles[0]);
    expect(parameters.get('first_digest_sha256')).toBe(sha256Hex(readFileSync(join(pulled, digestFiles[0]))));
    expect(parameters.get('last_digest_sha256')).toBe(sha256Hex(readFileSync(join(pulled, digestFiles.at(-1)!))));
    expect(parameters.get('digest_periods')).toBe(String(digestFiles.length));
    expect(Number(parameters.get('sessions_requested'))).toBeGreaterThan(0);
    expect(parameters.get('verification')).toBe('VERIFIED');
    // The report folder is not evidence: the folder still verifies with it inside.
    expect((await verify(pulled)).code).toBe(0);
  });
});

describe('tampering with the pulled evidence is caught', () => {
  const sessionObject = (dir: string) => files(dir, 'evidence').find((key) => key.includes(`/sessions/${ids.approved}/`))!;
  const digests = (dir: string) => files(dir, 'digests').sort();
  const kinds = async (dir: string) => new Set((await verify(dir, '--json')).problems.map((problem) => problem.kind));

  it('one byte of an evidence object changed', async () => {
    const dir = copy('byte');
    const path = join(dir, sessionObject(dir));
    const bytes = readFileSync(path);
    bytes[bytes.indexOf('customers')] ^= 0x20;
    writeFileSync(path, bytes);
    expect(await kinds(dir)).toEqual(new Set(['altered_object', 'altered_event']));
  });

  it('an evidence object deleted', async () => {
    const dir = copy('deleted');
    rmSync(join(dir, sessionObject(dir)));
    expect(await kinds(dir)).toEqual(new Set(['missing_object', 'pull_record_mismatch']));
  });

  it('a forged evidence object inserted', async () => {
    const dir = copy('forged');
    const original = JSON.parse(readFileSync(join(dir, sessionObject(dir)), 'utf8')) as EvidenceSegment;
    const forged = { ...original, stream: 'SESSION#00000000-0000-4000-a000-00000000beef' };
    const forgedKey = sessionObject(dir).replace(ids.approved, '00000000-0000-4000-a000-00000000beef');
    mkdirSync(dirname(join(dir, forgedKey)), { recursive: true });
    writeFileSync(join(dir, forgedKey), canonicalBytes(forged));
    expect(await kinds(dir)).toEqual(new Set(['unlisted_object', 'pull_record_mismatch']));
  });

  it('a newline appended to the newest digest', async () => {
    const dir = copy('newline');
    const newest = join(dir, digests(dir).at(-1)!);
    writeFileSync(newest, Buffer.concat([readFileSync(newest), Buffer.from('\n')]));
    expect(await kinds(dir)).toEqual(new Set(['noncanonical_digest']));
  });

  it('an extra copy of the public key file', async () => {
    const dir = copy('key-copy');
    const [keyFile] = files(dir, 'public-keys');
    cpSync(join(dir, keyFile), join(dir, 'public-keys', 'copy.pem'));
    expect(await kinds(dir)).toEqual(new Set(['unreferenced_key', 'pull_record_mismatch']));
  });

  it('events reordered', async () => {
    const dir = copy('reordered');
    const path = join(dir, sessionObject(dir));
    const segment = JSON.parse(readFileSync(path, 'utf8')) as { events: unknown[] };
    [segment.events[2], segment.events[3]] = [segment.events[3], segment.events[2]];
    writeFileSync(path, canonicalBytes(segment));
    const found = await kinds(dir);
    expect(found).toContain('altered_object');
    expect(found).toContain('broken_chain');
  });

  it('a digest swapped with another', async () => {
    const dir = copy('swapped');
    const [a, b] = digests(dir).slice(1, 3);
    const bytesA = readFileSync(join(dir, a));
    writeFileSync(join(dir, a), readFileSync(join(dir, b)));
    writeFileSync(join(dir, b), bytesA);
    const found = await kinds(dir);
    expect(found).toContain('misplaced_digest');
    expect(found).toContain('missing_digest');
  });

  it('a digest dropped from the middle', async () => {
    const dir = copy('dropped');
    const list = digests(dir);
    expect(list.length).toBeGreaterThanOrEqual(3);
    const middle = list[Math.floor(list.length / 2)];
    const listed = (JSON.parse(readFileSync(join(dir, middle), 'utf8')) as SignedDigest).objects.filter((o) => o.key.startsWith('evidence/'));
    rmSync(join(dir, middle));
    const found = await kinds(dir);
    expect(found).toContain('missing_digest');
    // Whatever only that digest listed now passes as evidence nobody signed for.
    if (listed.length) expect(found).toContain('unlisted_object');
  });

  it('a digest signed with a different key', async () => {
    const dir = copy('resigned');
    const target = digests(dir)[1];
    const digest = JSON.parse(readFileSync(join(dir, target), 'utf8')) as SignedDigest;
    const { signature: _real, ...body } = digest;
    writeFileSync(join(dir, target), canonicalBytes({ ...body, signature: signWith(rsaKey().privateKey, digestStringToSign(body)).toString('base64') }));
    expect(await kinds(dir)).toEqual(new Set(['bad_signature', 'broken_digest_chain']));
  });
});

describe('the local evidence store', () => {
  it('refuses to replace or delete an object before its retain-until date', async () => {
    const key = files(pulled, 'evidence')[0];
    const lock = stack.evidence.store.lock(key)!;
    expect(lock).toMatchObject({ mode: 'COMPLIANCE' });
    expect(Date.parse(lock.retainUntil) - Date.now()).toBeGreaterThan(399 * 86_400_000);
    await expect(stack.evidence.store.delete(key)).rejects.toThrow(ObjectLockedError);
    const other = Buffer.from('{}');
    await expect(stack.evidence.store.put(key, other, { contentType: 'application/json', sha256: '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', retainUntil: new Date() })).rejects.toThrow(ObjectLockedError);
    expect(existsSync(join(pulled, key))).toBe(true);
  });
});
