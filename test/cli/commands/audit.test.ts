/**
 * `accessgate audit verify` and `audit report` on an evidence folder on disk, through the CLI's own
 * entry point: exit codes, what is printed, and a report whose HTML escapes everything users typed and
 * whose CSV cannot be run as formulas.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainEvent } from '../../../functions/domain/audit-chain';
import { buildDigestBody, buildSegment, canonicalBytes, digestStringToSign, evidenceKey, publicKeyKey, RSA_SIGNING_ALGORITHM, sha256Hex, signDigest } from '../../../functions/domain/evidence';
import { buildEvidence, pullRecordFor, rsaKey, sessionEvents, signWith, type SigningKey } from '../../fixtures/evidence';
import { runMain } from '../run-main';

let root: string;
let key: SigningKey;

const accessgate = (...args: string[]) => runMain(args, { HOME: root, XDG_CONFIG_HOME: join(root, 'config') });

function writeFolder(name: string, files: Map<string, Uint8Array>, manifest?: object): string {
  const dir = join(root, name);
  for (const [k, bytes] of files) {
    mkdirSync(dirname(join(dir, k)), { recursive: true });
    writeFileSync(join(dir, k), bytes);
  }
  if (manifest) writeFileSync(join(dir, 'pull.json'), JSON.stringify(manifest));
  return dir;
}

/** A folder whose one session was typed by a hostile user, plus a forced approval, for the report. */
function hostileFolder(): Map<string, Uint8Array> {
  const id = '11111111-2222-4333-a444-555555555555';
  const stream = `SESSION#${id}`;
  const at = (s: number) => new Date(Date.parse('2026-11-26T08:10:00.000Z') + s * 1000).toISOString();
  const mallory = { sub: 'm1', email: 'mallory@example.com', name: '<img src=x onerror=alert(1)>' };
  const events = [
    ['session.requested', mallory, { command: '=cmd|"/c calc"!A1 <script>alert(1)</script>', reason: '</td><b>urgent</b>', resource: { id: 'postgres-demo', name: 'Demo', type: 'postgres' }, rule: 'dba-by-command', approvalsRequired: 1, commandSha256: sha256Hex('x') }],
    ['review.forced', { sub: 'c3', email: 'carol@example.com', name: 'Carol' }, { approval: { sub: 'c3', email: 'carol@example.com', name: 'Carol', at: at(5), via: 'api', forced: true, reason: 'INC-42 "<outage>"' } }],
    ['session.approved', { sub: 'c3', email: 'carol@example.com', name: 'Carol' }, { forced: true }],
    ['session.running', { system: 'accessgate' }, { commandSha256: sha256Hex('x') }],
    ['session.done', { system: 'accessgate' }, { result: { rowCount: 1, durationMs: 2, truncated: false } }],
  ] as const;
  const chain = events.reduce<ReturnType<typeof chainEvent>[]>((list, [type, actor, details], i) => [...list, chainEvent(list.at(-1), { stream, at: at(i), type, actor, details: details as Record<string, unknown> })], []);
  const segment = buildSegment({ stream, exportedAt: '2026-11-26T08:20:00.000Z', previous: null, events: chain });
  const bytes = canonicalBytes(segment);
  const objectKey = evidenceKey(stream, 1, chain.length, new Date(segment.exportedAt));
  const pem = Buffer.from(key.publicPem);
  const body = buildDigestBody({
    periodStart: new Date('2026-11-26T08:00:00.000Z'),
    periodSeconds: 3600,
    objects: [{ key: objectKey, sha256: sha256Hex(bytes), size: bytes.length }, { key: publicKeyKey(key.fingerprint), sha256: sha256Hex(pem), size: pem.length }],
    previous: null,
    publicKeyFingerprint: key.fingerprint,
    signatureAlgorithm: RSA_SIGNING_ALGORITHM,
  });
  const digest = signDigest(body, signWith(key.privateKey, digestStringToSign(body)));
  const digestBytes = canonicalBytes(digest);
  return new Map<string, Uint8Array>([[objectKey, bytes], [publicKeyKey(key.fingerprint), pem], [digest.digestKey, digestBytes]]);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'accessgate-audit-cli-'));
  key = rsaKey();
  writeFileSync(join(root, 'trusted.pem'), key.publicPem);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('accessgate audit verify', () => {
  it('exits 0 and says what it verified for an intact folder', async () => {
    const built = buildEvidence({ key, sessions: 5, periods: 4 });
    const dir = writeFolder('intact', built.files, { from: '2026-11-26T08:00:00.000Z', to: '2026-11-26T12:00:00.000Z', sealedUntil: '2026-11-26T12:00:00.000Z', source: 'test', pulledAt: '2026-11-26T12:01:00.000Z', digests: 4, objects: 9 });
    const run = await accessgate('audit', 'verify', dir, '--public-key', join(root, 'trusted.pem'));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^VERIFIED: 4 digest\(s\) covering 2026-11-26T08:00:00.000Z to 2026-11-26T12:00:00.000Z, \d+ object\(s\), 8 evidence segment\(s\), \d+ event\(s\)/);
    expect(run.stderr).toMatch(/trusted keys \(pinned\)/);
    const json = JSON.parse((await accessgate('audit', 'verify', dir, '--json')).stdout);
    expect(json).toMatchObject({ ok: true, problems: [] });
  });

  it('exits 1 and names each problem', async () => {
    const built = buildEvidence({ key, sessions: 5, periods: 4 });
    const dir = writeFolder('tampered', built.files);
    rmSync(join(dir, built.evidenceKeys[0]));
    rmSync(join(dir, built.digestKeys[1]));
    const run = await accessgate('audit', 'verify', dir, '--public-key', join(root, 'trusted.pem'));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^NOT VERIFIED: \d+ problem\(s\)/);
    expect(run.stdout).toContain(`missing_object       ${built.evidenceKeys[0]}, listed in`);
    expect(run.stdout).toMatch(/missing_digest +.*no digest between 2026-11-26T09:00:00.000Z and 2026-11-26T10:00:00.000Z/);
  });

  it('explains usage mistakes', async () => {
    expect((await accessgate('audit')).code).toBe(2);
    expect((await accessgate('audit', 'verify')).code).toBe(2);
    const missing = await accessgate('audit', 'verify', join(root, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/is not a folder/);
    expect((await accessgate('audit', 'pull', '--from', 'yesterday', '--to', 'now', '--out', root)).stderr).toMatch(/--from must be an ISO 8601/);
    expect((await accessgate('audit', '--help')).stdout).toMatch(/accessgate audit pull --from <time> --to <time> --out <folder>/);
  });
});

describe('accessgate audit report', () => {
  it('writes HTML and CSV per period, mapped to the controls, escaping everything users typed', async () => {
    const files = hostileFolder();
    const dir = writeFolder('hostile', files, JSON.parse(pullRecordFor(files, { from: '2026-11-26T08:00:00.000Z', to: '2026-11-26T09:00:00.000Z' }).toString()));
    const run = await accessgate('audit', 'report', dir, '--public-key', join(root, 'trusted.pem'));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^all: 1 session\(s\)/);
    const html = readFileSync(join(dir, 'report', 'all', 'report.html'), 'utf8');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('</td><b>urgent');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('INC-42 &quot;&lt;outage&gt;&quot;');
    expect(html).toContain("Content-Security-Policy\" content=\"default-src 'none'");
    for (const control of ['CC6.1', 'CC6.2', 'CC6.3', 'CC7.2', 'CC8.1', 'A.5.3', 'A.5.15', 'A.5.18', 'A.8.2', 'A.8.15', 'A.8.16', 'A.8.32']) expect(html).toContain(`<strong>${control}</strong>`);
    expect(html).toContain('Evidence VERIFIED');

    const sessions = readFileSync(join(dir, 'report', 'all', 'sessions.csv'), 'utf8');
    expect(sessions).toContain(`"'=cmd|""/c calc""!A1 <script>alert(1)</script>"`);
    const forced = readFileSync(join(dir, 'report', 'all', 'forced-approvals.csv'), 'utf8');
    expect(forced).toContain('carol@example.com');
    expect(forced).toContain('"INC-42 ""<outage>"""');
    const controls = readFileSync(join(dir, 'report', 'all', 'controls.csv'), 'utf8');
    expect(controls.split('\r\n')[0]).toBe('framework,control,title,evidence,sections,exceptions');
    expect(controls).toMatch(/SOC 2,CC8\.1,/);
    for (const file of ['approvals.csv', 'denials.csv', 'expiries.csv', 'config-changes.csv', 'security-events.csv', 'table-exports.csv', 'integrity.csv']) {
      expect(existsSync(join(dir, 'report', 'all', file))).toBe(true);
    }
  });

  it('splits by day, and still writes the report when verification fails, saying so', async () => {
    const built = buildEvidence({ key, sessions: 4, periods: 3 });
    const dir = writeFolder('byday', built.files);
    writeFileSync(join(dir, built.evidenceKeys[0]), '{"forged":true}');
    const run = await accessgate('audit', 'report', dir, '--by', 'day', '--out', join(root, 'byday-report'));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^2026-11-26: /);
    expect(readFileSync(join(root, 'byday-report', '2026-11-26', 'report.html'), 'utf8')).toContain('Evidence NOT VERIFIED');
  });

  it('states its own parameters, and puts a session that crosses midnight in both days, marked', async () => {
    // Prepare: three hourly periods from 22:00; the second session runs from 23:00 to 00:15 the next day.
    const start = new Date('2026-11-26T22:00:00.000Z');
    const built = buildEvidence({ key, sessions: 2, periods: 3, start, sessionStepSeconds: 900 });
    const dir = writeFolder('midnight', built.files, JSON.parse(built.pullRecord.toString('utf8')));
    const [early, crossing] = ['00000000-0000-4000-a000-000000000000', '00000000-0000-4000-a000-000000000001'];

    // Act
    const run = await accessgate('audit', 'report', dir, '--by', 'day', '--public-key', join(root, 'trusted.pem'));

    // Assess
    expect(run.code).toBe(0);
    const read = (day: string, file: string) => readFileSync(join(dir, 'report', day, file), 'utf8');
    const parameters = (day: string) => new Map(read(day, 'parameters.csv').trim().split('\r\n').slice(1).map((line) => {
      const [name, value] = line.split(',');
      return [name, value.replace(/^"|"$/g, '')] as const;
    }));
    const first = parameters('2026-11-26');
    expect(first.get('period_from')).toBe('2026-11-26T00:00:00.000Z');
    expect(first.get('period_to')).toBe('2026-11-27T00:00:00.000Z');
    expect(first.get('grouping')).toBe('day');
    expect(first.get('filters')).toBe('none');
    expect(first.get('generated_by')).toMatch(/^accessgate \d+\.\d+\.\d+$/);
    expect(first.get('verification')).toBe('VERIFIED');
    expect(first.get('first_digest')).toBe(built.digestKeys[0]);
    expect(first.get('first_digest_sha256')).toBe(sha256Hex(built.files.get(built.digestKeys[0])!));
    expect(first.get('last_digest')).toBe(built.digestKeys[2]);
    expect(first.get('last_digest_sha256')).toBe(sha256Hex(built.files.get(built.digestKeys[2])!));
    expect(first.get('digest_periods')).toBe('3');
    expect(first.get('trusted_keys')).toBe(key.fingerprint);
    expect(first.get('pulled_range')).toBe('2026-11-26T22:00:00.000Z to 2026-11-27T01:00:00.000Z');
    // Requested, approved and run on the 26th: both; the crossing one runs after midnight.
    expect(Object.fromEntries(['requested', 'approved', 'denied', 'expired', 'forced', 'executed', 'failed'].map((p) => [p, first.get(`sessions_${p}`)])))
      .toEqual({ requested: '2', approved: '2', denied: '0', expired: '0', forced: '0', executed: '1', failed: '0' });
    expect(first.get('sessions_open_at_period_end')).toBe('1');
    expect(read('2026-11-26', 'parameters.csv')).toContain(`not final at the period's end (also in the next period's population, if any): ${crossing}`);
    const second = parameters('2026-11-27');
    expect([second.get('sessions_requested'), second.get('sessions_executed'), second.get('sessions_requested_earlier'), second.get('sessions_open_at_period_end')]).toEqual(['0', '1', '1', '0']);

    const sessions = (day: string) => read(day, 'sessions.csv').split('\r\n').filter((line) => line.startsWith('0000'));
    expect(sessions('2026-11-26').map((line) => line.split(',').slice(0, 2))).toEqual([[early, ''], [crossing, "not final at the period's end"]]);
    expect(sessions('2026-11-27').map((line) => line.split(',').slice(0, 2))).toEqual([[crossing, 'requested in an earlier period']]);
    const html = read('2026-11-27', 'report.html');
    expect(html).toContain('<h2>Report parameters</h2>');
    expect(html).toContain(`<th>first_digest_sha256</th><td><code>${sha256Hex(built.files.get(built.digestKeys[0])!)}</code>`);
  });
});
