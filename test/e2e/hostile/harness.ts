/**
 * The hostile corpus's harness: one local stack per test file, tokens for every demo user and forged
 * ones, and a snapshot of everything a hostile request could change, read from the stores themselves:
 * sessions, events per chain (a scan of the events table, not our own record), and the rows and tables
 * of each resource's database, counted by the database.
 *
 * A legitimate refusal may leave exactly one kind of trace: a `security.*` event on the day's SECURITY
 * chain (refused reviews, refused audit reads, forged Slack requests are recorded by design). Every
 * other count must be unchanged.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { importJWK, SignJWT } from 'jose';
import { expect } from 'vitest';
import { canonicalJson } from '../../../functions/domain/canonical-json';
import { localClusterArn } from '../../../infra/local/demo-config';
import { DEMO_USERS, LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../../infra/local/identity';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../../infra/local/stack';
import { perFile } from '../../support/per-file';

export interface Hostile {
  readonly stack: LocalStack;
  readonly dataDir: string;
  /** A valid token per demo user, by first name (alice, bob, …). */
  readonly tokens: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export const DEMO_NAMES = DEMO_USERS.map((user) => user.email.split('@')[0]!);

export async function startHostile(options: LocalStackOptions = {}): Promise<Hostile> {
  const dataDir = mkdtempSync(join(tmpdir(), 'accessgate-hostile-'));
  const stack = await startLocalStack({ port: 0, web: false, dataDir, ...options });
  const tokens: Record<string, string> = {};
  for (const user of DEMO_USERS) tokens[user.email.split('@')[0]!] = await stack.token(user.email);
  return {
    stack,
    dataDir,
    tokens,
    async stop() {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One stack for the calling test file: started before its first hook or case, stopped after its last
 * (test/support/per-file.ts). A file's own `beforeAll`, registered after this call, sees it started.
 */
export function hostileStackPerFile(options: LocalStackOptions = {}): Hostile {
  return perFile(() => startHostile(options), (hostile) => hostile.stop(), 120_000);
}

/**
 * Requests to `hostile`'s API as a demo user (by first name), with a JSON body: an object is serialised,
 * a string sent as written.
 */
export const callerOf =
  (hostile: Hostile) =>
  (method: string, path: string, user: string, body?: unknown): Promise<Answer> =>
    send(`${hostile.stack.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${hostile.tokens[user]}` },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

/**
 * Refused requests to `hostile`'s API as a demo user: each asserts its status, that the answer's
 * `details.fields` names `field` when one is given, and that nothing changed (`expectUnchanged`).
 */
export const refuserOf = (hostile: Hostile) => {
  const call = callerOf(hostile);
  return async (method: string, path: string, user: string, body: unknown, status: number, field?: string): Promise<Answer> => {
    const before = await snapshot(hostile);
    const answer = await call(method, path, user, body);
    expectRefused(answer, status);
    if (field !== undefined) {
      const fields = (JSON.parse(answer.text) as { error: { details?: { fields?: string[] } } }).error.details?.fields ?? [];
      expect(fields, answer.text.slice(0, 300)).toContain(field);
    }
    expectUnchanged(before, await snapshot(hostile));
    return answer;
  };
};

/** A token signed with the local identity provider's own key, with the claims (and header) a case needs. */
export async function forgedToken(
  hostile: Hostile,
  claims: Record<string, unknown>,
  options: { exp?: string | number | false; iss?: string; aud?: string; sub?: string } = {},
): Promise<string> {
  const jwk = JSON.parse(readFileSync(join(hostile.dataDir, 'keys', 'jwt.json'), 'utf8')) as { privateKey: Record<string, unknown> };
  const jwt = new SignJWT({ email: 'dana@example.com', 'cognito:groups': ['admins'], ...claims })
    .setProtectedHeader({ alg: 'ES256' })
    .setSubject(options.sub ?? 'hostile')
    .setIssuer(options.iss ?? LOCAL_ISSUER)
    .setAudience(options.aud ?? LOCAL_AUDIENCE);
  if (options.exp !== false) jwt.setExpirationTime(options.exp ?? '1h');
  return jwt.sign(await importJWK(jwk.privateKey, 'ES256'));
}

export interface Snapshot {
  readonly sessions: number;
  /** Events per chain, SECURITY chains left out (see `securityTypes`). */
  readonly chains: Readonly<Record<string, number>>;
  /** Types of the events on the SECURITY chains, in order. */
  readonly securityTypes: readonly string[];
  /** Row counts and table names per resource, as each database reports them. */
  readonly databases: Readonly<Record<string, { orders: number; customers: number; tables: string[] }>>;
  /**
   * Items per kind (`WEBHOOK/META`, `SESSION/APPROVAL`, `CONNECTION/META`, …) in the Sessions, Results and
   * Connections tables, and a digest of each table's items: an update in place changes the digest.
   */
  readonly items: Readonly<Record<string, number | string>>;
}

type Item = NonNullable<ScanCommandOutput['Items']>[number];

async function scanTable(table: string): Promise<Item[]> {
  const client = new DynamoDBClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const items: Item[] = [];
  let start: ScanCommandOutput['LastEvaluatedKey'];
  try {
    do {
      const page: ScanCommandOutput = await client.send(new ScanCommand({ TableName: `accessgate-${table}`, ConsistentRead: true, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    client.destroy();
  }
  return items;
}

async function scanEvents(): Promise<{ pk: string; type: string }[]> {
  return (await scanTable('Events')).map((item) => ({ pk: item.pk?.S ?? '', type: item.type?.S ?? JSON.stringify(item.event ?? item.type ?? '') }));
}

/** `WEBHOOK#1f…/ATTEMPT#…` counts as `WEBHOOK/ATTEMPT`: the kind of item, not which one. */
const kindOf = (key: string | undefined): string => (key ?? '').split('#')[0]!;

async function tableItems(): Promise<Record<string, number | string>> {
  const counts: Record<string, number | string> = {};
  for (const table of ['Sessions', 'Results', 'Connections']) {
    const items = await scanTable(table);
    for (const item of items) {
      const kind = `${table}:${kindOf(item.pk?.S)}/${kindOf(item.sk?.S)}`;
      counts[kind] = ((counts[kind] as number | undefined) ?? 0) + 1;
    }
    const canonical = items.map((item) => canonicalJson(item)).sort();
    counts[`${table} digest`] = createHash('sha256').update(canonical.join('\n')).digest('hex');
  }
  return counts;
}

const count = async (hostile: Hostile, resource: string, sql: string): Promise<number> => {
  const backend = hostile.stack.backends.get(localClusterArn(resource))!;
  return Number((await backend.query(sql, [])).rows[0]![0]);
};

export async function snapshot(hostile: Hostile): Promise<Snapshot> {
  let sessions = 0;
  let cursor: string | undefined;
  do {
    const page = await hostile.stack.deps.sessions.list({ kind: 'all' }, {}, 200, cursor);
    sessions += page.items.length;
    cursor = page.cursor;
  } while (cursor);
  const chains: Record<string, number> = {};
  const securityTypes: string[] = [];
  for (const event of await scanEvents()) {
    if (event.pk.startsWith('SECURITY#')) securityTypes.push(event.type);
    else chains[event.pk] = (chains[event.pk] ?? 0) + 1;
  }
  const databases: Record<string, { orders: number; customers: number; tables: string[] }> = {};
  for (const resource of ['postgres-demo', 'postgres-staging']) {
    const backend = hostile.stack.backends.get(localClusterArn(resource))!;
    const tables = (await backend.query("select table_schema || '.' || table_name from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema') order by 1", [])).rows.map((row) => String(row[0]));
    databases[resource] = {
      orders: await count(hostile, resource, 'select count(*) from orders'),
      customers: await count(hostile, resource, 'select count(*) from customers'),
      tables,
    };
  }
  return { sessions, chains, securityTypes, databases, items: await tableItems() };
}

/**
 * Asserts that nothing changed between two snapshots but, at most, new `security.*` events on the
 * SECURITY chains (the documented record of a refusal).
 */
export function expectUnchanged(before: Snapshot, after: Snapshot): void {
  // The snapshot must see the stores it claims to count: the configuration chain and the seeded rows.
  expect(before.chains.CONFIG, 'events on the CONFIG chain').toBeGreaterThan(0);
  for (const database of Object.values(before.databases)) expect(database.orders, 'seeded orders').toBeGreaterThan(0);
  expect(after.sessions, 'sessions').toBe(before.sessions);
  expect(after.chains, 'events per chain').toEqual(before.chains);
  expect(after.databases, 'rows and tables of each database').toEqual(before.databases);
  expect(after.items, 'items per kind and content of the Sessions, Results and Connections tables').toEqual(before.items);
  expect(after.securityTypes.slice(0, before.securityTypes.length), 'earlier security events').toEqual(before.securityTypes);
  for (const type of after.securityTypes.slice(before.securityTypes.length)) expect(type, 'a new security event').toMatch(/^security\./);
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** One request, answered within `ms` or failed as a hang. */
export async function send(url: string, init: RequestInit = {}, ms = 10_000): Promise<Answer> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** A refusal: the expected status (or any 4xx), never a 5xx. */
export function expectRefused(answer: Answer, status?: number): void {
  expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
  if (status === undefined) expect(answer.status, answer.text.slice(0, 300)).toBeGreaterThanOrEqual(400);
  else expect(answer.status, answer.text.slice(0, 300)).toBe(status);
}

/** A request sent as written: the path is not normalised and any method goes (fetch refuses TRACE). */
export function raw(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string, ms = 10_000): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: hostname, port, method, path, headers, timeout: ms }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) answerHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
        resolve({ status: response.statusCode ?? 0, headers: answerHeaders, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.on('timeout', () => request.destroy(new Error(`${method} ${path} did not answer within ${ms} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** The snapshot once the stack is quiet: workflows started before a group must finish writing first. */
export async function settled(hostile: Hostile, ms = 20_000): Promise<Snapshot> {
  const deadline = Date.now() + ms;
  let last = await snapshot(hostile);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 400));
    const next = await snapshot(hostile);
    if (JSON.stringify(next) === JSON.stringify(last)) return next;
    if (Date.now() > deadline) throw new Error('the stack kept writing for 20 s');
    last = next;
  }
}
