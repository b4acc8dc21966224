/**
 * The auditor's session listing (GET /audit/sessions): every session matching the filters, for admins
 * and auditors only, as JSON pages or as one CSV download with a row per session saying who asked for
 * what on which system, when, and who approved, denied or forced it when; and the configuration and
 * security chains (GET /audit/events).
 */
import { canReadEverything, type Identity } from '../domain/identity';
import { ForbiddenError } from '../domain/errors';
import { type AuditEvent, type ChainProblem, verifyChain } from '../domain/audit-chain';
import type { Session } from '../domain/session';
import { recordSecurityEvent } from './audit-trail';
import type { Deps, Page, SessionFilters } from './ports';

/** Refused access to audit data is itself a security event. */
export async function assertAuditReader(deps: Deps, who: Identity, what: string, allowed: boolean, details: Record<string, unknown> = {}): Promise<void> {
  if (allowed) return;
  await recordSecurityEvent(deps, 'security.audit_access_refused', { sub: who.sub, email: who.email, name: who.name }, { what, groups: who.groups, ...details });
  throw new ForbiddenError(`Only ${what === 'exports' ? 'auditors' : 'auditors and admins'} can read audit ${what}.`, 'audit_access_refused');
}

export async function auditSessions(deps: Deps, who: Identity, filters: SessionFilters, limit: number, cursor?: string): Promise<Page<Session>> {
  await assertAuditReader(deps, who, 'sessions', canReadEverything(who, deps.roles));
  return deps.sessions.list({ kind: 'all' }, filters, limit, cursor);
}

export interface StreamView {
  readonly stream: string;
  readonly events: AuditEvent[];
  /** Problems the hash chain shows as stored now (empty when intact); the exports are the evidence. */
  readonly problems: ChainProblem[];
}

/** One non-session chain (CONFIG or SECURITY#<day>) with its integrity checked, for the sessions log. */
export async function auditStream(deps: Deps, who: Identity, stream: string): Promise<StreamView> {
  await assertAuditReader(deps, who, 'events', canReadEverything(who, deps.roles), { stream });
  const events = await deps.events.list(stream);
  return { stream, events, problems: verifyChain(stream, events) };
}

export const SESSION_CSV_HEADER = [
  'session_id', 'status', 'created_at', 'requester_email', 'requester_name', 'requester_groups', 'resource_id', 'resource_type',
  'command', 'parameters', 'command_sha256', 'reason', 'rule', 'approvals_required', 'approvers', 'forced', 'forced_by', 'force_reason',
  'denied_by', 'denied_at', 'denial_reason', 'expires_at', 'decided_at', 'started_at', 'finished_at', 'row_count', 'error',
] as const;

export function sessionCsvRow(session: Session): unknown[] {
  const forced = session.approvals.filter((approval) => approval.forced);
  return [
    session.id,
    session.status,
    session.createdAt,
    session.requester.email,
    session.requester.name,
    session.requester.groups,
    session.resource.id,
    session.resource.type,
    session.command,
    session.parameters?.length ? session.parameters : undefined,
    session.commandSha256,
    session.reason,
    session.rule?.name,
    session.approvalsRequired,
    session.approvals.map((approval) => `${approval.email} at ${approval.at}`),
    session.forced,
    forced.map((approval) => approval.email),
    forced.map((approval) => approval.reason ?? ''),
    session.denial?.email,
    session.denial?.at,
    session.denial?.reason,
    session.expiresAt,
    session.decidedAt,
    session.startedAt,
    session.finishedAt,
    session.result?.rowCount,
    session.error ? `${session.error.code}: ${session.error.message}` : undefined,
  ];
}
