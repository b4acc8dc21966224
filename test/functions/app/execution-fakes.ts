/**
 * In-memory fakes of the ports the Execute use case needs. Each keeps the contract its port states
 * (conditional transitions, chained events, expiring failures), so a use-case test exercises the same
 * rules the DynamoDB adapters enforce, without AWS.
 */
import type { EventLog, NewEvent, QueryResult, ResultStore, SqlRunner, SqlTarget } from '../../../functions/app/ports';
import type { ExecuteDeps } from '../../../functions/app/workflow-tasks';
import { type AuditEvent, chainEvent } from '../../../functions/domain/audit-chain';
import type { Resource } from '../../../functions/domain/resource';
import { commandDigest, type Session, type SessionError } from '../../../functions/domain/session';

type SessionsPort = ExecuteDeps['sessions'];

export class InMemorySessions implements SessionsPort {
  readonly items = new Map<string, Session>();

  async get(id: string) {
    return this.items.get(id);
  }

  private move(id: string, from: readonly Session['status'][], change: Partial<Session>): Session | undefined {
    const session = this.items.get(id);
    if (!session || !from.includes(session.status)) return undefined;
    const next = { ...session, ...change } as Session;
    this.items.set(id, next);
    return next;
  }

  async startRunning(id: string, at: string) {
    return this.move(id, ['approved'], { status: 'running', startedAt: at, updatedAt: at });
  }

  async returnToApproved(id: string) {
    this.move(id, ['running'], { status: 'approved', startedAt: undefined });
  }

  async finish(id: string, at: string, outcome: Parameters<SessionsPort['finish']>[2]) {
    const detail = outcome.status === 'done' ? { result: outcome.result } : { error: outcome.error };
    return this.move(id, outcome.status === 'done' ? ['running'] : ['running', 'approved'], { status: outcome.status, ...detail, finishedAt: at, updatedAt: at });
  }
}

export class InMemoryEvents implements EventLog {
  readonly streams = new Map<string, AuditEvent[]>();

  async append(stream: string, event: NewEvent) {
    const events = this.streams.get(stream) ?? [];
    const chained = chainEvent(events.at(-1), { stream, ...event });
    this.streams.set(stream, [...events, chained]);
    return chained;
  }

  async list(stream: string) {
    return this.streams.get(stream) ?? [];
  }
}

export class InMemoryResults implements ResultStore {
  readonly results = new Map<string, QueryResult>();
  readonly failures = new Map<string, SessionError>();

  async put(sessionId: string, result: QueryResult) {
    this.results.set(sessionId, result);
  }

  async get(sessionId: string) {
    return this.results.get(sessionId);
  }

  async putFailure(sessionId: string, failure: SessionError) {
    this.failures.set(sessionId, failure);
  }

  async failure(sessionId: string) {
    return this.failures.get(sessionId);
  }
}

/** A database reached through the runner: each call either returns the next scripted answer or throws it. */
export class ScriptedSqlRunner implements SqlRunner {
  readonly calls: { target: SqlTarget; sql: string }[] = [];
  constructor(private readonly answers: (QueryResult | Error)[]) {}

  async run(target: SqlTarget, sql: string) {
    this.calls.push({ target, sql });
    const answer = this.answers.shift();
    if (!answer) throw new Error('The scripted database has no answer left: the command was sent more often than the test expects.');
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

export const RESOURCE: Resource = {
  id: 'postgres-demo',
  name: 'Orders',
  type: 'postgres',
  database: 'orders',
  allowedGroups: ['dba'],
  clusterArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:orders',
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-AbCdEf',
};

export function approvedSession(id: string, command: string): Session {
  return {
    id,
    status: 'approved',
    createdAt: '2026-11-30T10:00:00.000Z',
    updatedAt: '2026-11-30T10:00:00.000Z',
    requester: { sub: 'alice', email: 'alice@example.com', name: 'Alice', groups: ['dba'] },
    resource: { id: RESOURCE.id, name: RESOURCE.name, type: RESOURCE.type, database: RESOURCE.database },
    command,
    commandSha256: commandDigest(command),
    approvalsRequired: 1,
    approvals: [],
    forced: false,
  } as Session;
}

export function executeDeps(sql: SqlRunner, sessions = new InMemorySessions()) {
  const events = new InMemoryEvents();
  const results = new InMemoryResults();
  const deps: ExecuteDeps = {
    sessions,
    catalog: { resource: async (id: string) => (id === RESOURCE.id ? RESOURCE : undefined) },
    events,
    results,
    sql,
    clock: { now: () => new Date('2026-11-30T10:05:00.000Z') },
    maxRows: 100,
  };
  return { deps, sessions, events, results };
}
