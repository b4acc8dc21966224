/**
 * The preview, worked out by the workflow's AwaitReview step before the review request goes out, and
 * stored once it has (functions/app/notifications.ts): what the command will do, and the row ceiling its approval will carry. Only a command that
 * waits for review is previewed: the preview is for its reviewers. A preview that fails never blocks
 * the review: it is stored as skipped, with the reason.
 */
import type { Preview } from '../domain/preview';
import { skippedPreview, withRowLimit } from '../domain/preview';
import type { Session } from '../domain/session';
import { recordSessionEvent, SYSTEM } from './audit-trail';
import type { Deps } from './ports';

/**
 * The preview a session waiting for review and without one still needs, worked out but not stored
 * (storePreview stores it, with where the review request went); undefined when it needs none.
 */
export async function workOutPreview(deps: Pick<Deps, 'previewer' | 'catalog' | 'log'>, session: Session): Promise<Preview | undefined> {
  // An access window is a grant of time, not a command: there is nothing to preview.
  if (session.status !== 'pending_review' || session.preview || session.kind === 'window') return undefined;
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
  return withRowLimit(preview, session.rule?.maxRowsAffected);
}

/**
 * Stores a worked-out preview, with where the review request was posted when it was (one write for
 * both), and records it; answers the session as the store left it, or undefined when the review closed
 * first or an earlier attempt's preview stays (the notification is kept either way).
 */
export async function storePreview(
  deps: Pick<Deps, 'previewer' | 'sessions' | 'events' | 'clock'>,
  sessionId: string,
  preview: Preview,
  notification?: Readonly<Record<string, string>>,
): Promise<Session | undefined> {
  const stored = await deps.sessions.savePreview(sessionId, preview, deps.clock.now().toISOString(), notification);
  if (!stored?.preview) return undefined;
  await recordSessionEvent(deps, sessionId, 'session.previewed', SYSTEM, previewSummary(stored.preview, deps.previewer.parser));
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
