/**
 * The preview, worked out by the workflow's AwaitReview step before the review request goes out: what the command will do, and the row ceiling its approval will carry. Only a command that
 * waits for review is previewed: the preview is for its reviewers. A preview that fails never blocks
 * the review: it is stored as skipped, with the reason.
 */
import type { Preview } from '../domain/preview';
import { skippedPreview, withRowLimit } from '../domain/preview';
import type { Session } from '../domain/session';
import { recordSessionEvent, SYSTEM } from './audit-trail';
import type { Deps } from './ports';

/** Previews a session waiting for review that has no preview yet; answers the session as it is afterwards. */
export async function previewSession(deps: Pick<Deps, 'previewer' | 'catalog' | 'sessions' | 'events' | 'clock' | 'log'>, session: Session): Promise<Session> {
  // An access window is a grant of time, not a command: there is nothing to preview.
  if (session.status !== 'pending_review' || session.preview || session.kind === 'window') return session;
  const resource = await deps.catalog.resource(session.resource.id);
  let preview: Preview;
  try {
    if (!resource) throw Object.assign(new Error(`Resource ${session.resource.id} no longer exists`), { name: 'ResourceMissing' });
    preview = await deps.previewer.preview(resource, session.command, session.parameters);
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'Error';
    deps.log.warn('the preview failed; the review goes ahead without it', { sessionId: session.id, error: name });
    preview = skippedPreview(`the preview failed (${name}); nothing was counted`);
  }
  const stored = await deps.sessions.savePreview(session.id, withRowLimit(preview, session.rule?.maxRowsAffected), deps.clock.now().toISOString());
  if (!stored?.preview) return (await deps.sessions.get(session.id)) ?? session;
  await recordSessionEvent(deps, session.id, 'session.previewed', SYSTEM, previewSummary(stored.preview, deps.previewer.parser));
  return stored;
}

/** What the session's events keep of a preview: kinds, tables, flags and counts, never a plan. */
export function previewSummary(preview: Preview, parser: string): Record<string, unknown> {
  return {
    parser,
    statements: preview.statements.map((s) => ({
      kind: s.kind,
      tables: s.tables,
      flags: s.flags,
      ...(s.rowsAffected !== undefined ? { rowsAffected: s.rowsAffected } : {}),
      ...(s.estimatedRows !== undefined ? { estimatedRows: s.estimatedRows } : {}),
    })),
    ...(preview.rowsAffected !== undefined ? { rowsAffected: preview.rowsAffected } : {}),
    ...(preview.rowLimit !== undefined ? { rowLimit: preview.rowLimit } : {}),
    ...(preview.skipped ? { skipped: preview.skipped } : {}),
  };
}
