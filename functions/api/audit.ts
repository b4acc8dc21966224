/**
 * GET /audit/sessions (auditors and admins; JSON or CSV), GET /audit/events (auditors and admins: the
 * CONFIG and SECURITY chains, integrity checked), GET /audit/exports and
 * GET /audit/exports/object (auditors: the locked evidence, digests and public keys, for
 * `accessgate audit pull`). Every refused attempt is recorded as a security event.
 */
import * as z from '../domain/zod';
import { assertAuditReader, auditSessions, auditStream, SESSION_CSV_HEADER, sessionCsvRow } from '../app/audit-sessions';
import { listExports, MAX_DOWNLOAD_BYTES, readExport } from '../app/evidence-catalog';
import { toCsv } from '../domain/csv';
import { isAuditor } from '../domain/identity';
import type { Session } from '../domain/session';
import { evidenceDeps } from '../evidence-wiring';
import { deps } from '../wiring';
import { apiHandler, cursorsFor, json, validate } from './http';
import { isoDate, sessionFilterFields } from './session-filters';

/** A CSV download stays under Lambda's 6 MB response limit; the rest follows with the returned cursor. */
const MAX_CSV_BYTES = 4 * 1024 * 1024;
const CSV_PAGE = 100;

const sessionsSchema = z.strictObject({
  ...sessionFilterFields,
  format: z.optional(z.enum(['json', 'csv'])),
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(10_000))),
});

const exportsSchema = z.strictObject({
  from: isoDate,
  to: isoDate,
  cursor: z.optional(z.string()),
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(200))),
});

const objectSchema = z.strictObject({
  key: z.string().check(z.minLength(1)),
  offset: z._default(z.coerce.number().check(z.int(), z.gte(0)), 0),
  length: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_DOWNLOAD_BYTES)), MAX_DOWNLOAD_BYTES),
});

/** The chains that are not a session's: configuration changes, and one security chain per day. */
const eventsSchema = z.strictObject({
  stream: z.string().check(z.regex(/^(CONFIG|SECURITY#\d{4}-\d{2}-\d{2})$/, 'must be CONFIG or SECURITY#<yyyy-mm-dd>; a session\'s events come with GET /sessions/{id}')),
});

const wantsCsv = (format: string | undefined, accept: string | undefined) => format === 'csv' || (!format && /\btext\/csv\b/.test(accept ?? ''));

/** What each route reads, for the OpenAPI document (functions/api/openapi.ts). */
export const contract = {
  'GET /audit/sessions': { query: sessionsSchema },
  'GET /audit/exports': { query: exportsSchema },
  'GET /audit/exports/object': { query: objectSchema },
  'GET /audit/events': { query: eventsSchema },
} as const;

export const routes = {
  'GET /audit/sessions': async (request) => {
    const who = request.identity();
    const { format, limit, cursor, ...filters } = validate(sessionsSchema, request.query, 'query');
    const cursors = cursorsFor(request);
    if (!wantsCsv(format, request.event.headers?.accept)) {
      const page = await auditSessions(deps(), who, filters, Math.min(limit ?? 50, 200), cursors.open(cursor));
      return json(200, { sessions: page.items, ...(page.cursor ? { cursor: cursors.seal(page.cursor) } : {}) });
    }
    const max = limit ?? 10_000;
    const sessions: Session[] = [];
    let next = cursors.open(cursor);
    let bytes = 0;
    do {
      const page = await auditSessions(deps(), who, filters, Math.min(CSV_PAGE, max - sessions.length), next);
      sessions.push(...page.items);
      bytes += page.items.reduce((sum, session) => sum + session.command.length + 1024, 0);
      next = page.cursor;
    } while (next && sessions.length < max && bytes < MAX_CSV_BYTES);
    const name = `accessgate-sessions${filters.from ? `-from-${filters.from.slice(0, 10)}` : ''}${filters.to ? `-to-${filters.to.slice(0, 10)}` : ''}.csv`;
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${name}"`,
        'cache-control': 'no-store',
        ...(next ? { 'x-next-cursor': cursors.seal(next)! } : {}),
      },
      body: toCsv(SESSION_CSV_HEADER, sessions.map(sessionCsvRow)),
    };
  },
  'GET /audit/events': async (request) => {
    const who = request.identity();
    const { stream } = validate(eventsSchema, request.query, 'query');
    return json(200, await auditStream(deps(), who, stream));
  },
  'GET /audit/exports': async (request) => {
    const who = request.identity();
    await assertAuditReader(deps(), who, 'exports', isAuditor(who, deps().roles));
    const query = validate(exportsSchema, request.query, 'query');
    const evidence = evidenceDeps();
    const head = await evidence.state.digestHead();
    const listing = await listExports(evidence.objects, {
      from: new Date(query.from),
      to: new Date(query.to),
      ...(query.cursor ? { cursor: query.cursor } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
      ...(head ? { sealedUntil: head.next } : {}),
    });
    return json(200, listing);
  },
  'GET /audit/exports/object': async (request) => {
    const who = request.identity();
    const query = validate(objectSchema, request.query, 'query');
    await assertAuditReader(deps(), who, 'exports', isAuditor(who, deps().roles), { key: query.key.slice(0, 300) });
    const { bytes, size } = await readExport(evidenceDeps().objects, query.key, query.offset, query.length);
    return {
      statusCode: 200,
      headers: {
        'content-type': 'application/octet-stream',
        'cache-control': 'no-store',
        'x-object-size': String(size),
        'x-object-offset': String(query.offset),
      },
      body: Buffer.from(bytes).toString('base64'),
      isBase64Encoded: true,
    };
  },
} satisfies Parameters<typeof apiHandler>[0];

export const handler = apiHandler(routes);
