/**
 * The preview before the review and the row ceiling at execution, against in-memory fakes: the preview
 * is stored on a reviewed session with its ceiling and summarised in an event with the parser's
 * version; a failing preview never blocks the review; the ceiling travels to the runner, and a
 * run over it ends failed with `row_limit_exceeded` and the counts.
 */
import { describe, expect, it } from 'vitest';
import { sessionStream } from '../../../functions/app/audit-trail';
import { submitSession } from '../../../functions/app/sessions';
import { awaitReview, execute } from '../../../functions/app/workflow-tasks';
import { RowLimitExceededError } from '../../../functions/domain/execution';
import { commandDigest } from '../../../functions/domain/session';
import { fakeDeps, ScriptedSql } from './fakes';
import { alice, orders, reviewedRule } from './people';

const command = 'delete from orders where status = $$stale$$';

describe('the preview, worked out before the review request goes out (AwaitReview)', () => {
  async function submitted(rule = reviewedRule()) {
    const deps = fakeDeps({ resources: [orders], rules: [rule] });
    const session = await submitSession(deps, alice, { resource: 'orders', command });
    return { deps, id: session.id };
  }

  it('stores the preview on the session with a ceiling of the count plus 10 %, and records its summary with the parser version', async () => {
    const { deps, id } = await submitted();
    await awaitReview(deps, id, 'token-1');
    const session = await deps.sessions.get(id);
    expect(session?.preview).toEqual({ statements: [{ kind: 'write', tables: ['orders'], flags: [], rowsAffected: 10 }], rowsAffected: 10, rowLimit: 11 });
    expect(deps.previewer.asked).toEqual([{ target: orders, command }]);
    // The review request goes out with the preview on it.
    expect(deps.notifier.requested.map((s) => s.preview)).toEqual([session?.preview]);
    const events = await deps.events.list(sessionStream(id));
    expect(events.map((e) => e.type)).toEqual(['session.requested', 'session.previewed', 'review.requested']);
    expect(events[1].details).toEqual({
      parser: 'test-parser 1.0',
      statements: [{ kind: 'write', tables: ['orders'], flags: [], rowsAffected: 10 }],
      rowsAffected: 10,
      rowLimit: 11,
    });
    // The preview never changes what runs: the digest is still the command's own.
    expect(session?.commandSha256).toBe(commandDigest(command));
  });

  it('previews once: a retried AwaitReview keeps the first preview and records nothing again', async () => {
    const { deps, id } = await submitted();
    await awaitReview(deps, id, 'token-1');
    deps.previewer.answer = { statements: [], rowsAffected: 99 };
    await awaitReview(deps, id, 'token-1');
    expect((await deps.sessions.get(id))?.preview?.rowsAffected).toBe(10);
    expect(deps.events.types(sessionStream(id))).toEqual(['session.requested', 'session.previewed', 'review.requested']);
  });

  it('posts a review request only with the preview already stored: the ceiling an approver is shown binds even if AwaitReview dies after the post', async () => {
    const { deps, id } = await submitted();
    let storedWhenPosted: unknown = 'not posted';
    deps.notifier.whilePosting = async () => {
      storedWhenPosted = (await deps.sessions.get(id))?.preview;
    };
    await awaitReview(deps, id, 'token-1');
    expect(deps.notifier.requested[0]?.preview?.rowLimit).toBe(11);
    // An approval that arrives before a preview is stored runs under the rule's ceiling alone (none
    // here), so a request showing an unstored preview would show a ceiling nothing enforces.
    expect(storedWhenPosted).toEqual(deps.notifier.requested[0]?.preview);
  });

  it('takes the rule\'s maxRowsAffected as the ceiling when it sets one, 0 included', async () => {
    const { deps, id } = await submitted(reviewedRule({ maxRowsAffected: 0 }));
    await awaitReview(deps, id, 'token-1');
    expect((await deps.sessions.get(id))?.preview?.rowLimit).toBe(0);
  });

  it('goes on to the review when the preview fails, storing it as skipped with the reason; the rule\'s ceiling still holds', async () => {
    const { deps, id } = await submitted(reviewedRule({ maxRowsAffected: 50 }));
    deps.previewer.failWith = Object.assign(new Error('connect ECONNREFUSED'), { name: 'DatabaseUnavailableException' });
    await awaitReview(deps, id, 'token-1');
    expect((await deps.sessions.get(id))?.preview).toEqual({ statements: [], skipped: 'the preview failed (DatabaseUnavailableException); nothing was counted', rowLimit: 50 });
  });

  it('sets no ceiling when nothing was counted and the rule sets none', async () => {
    const { deps, id } = await submitted();
    deps.previewer.answer = { statements: [{ kind: 'write', tables: ['orders'], flags: ['volatile-function'] }], skipped: 'the statement calls a function' };
    await awaitReview(deps, id, 'token-1');
    expect((await deps.sessions.get(id))?.preview).toEqual(deps.previewer.answer);
  });

  it('does not preview a command no rule governs: nobody reviews it', async () => {
    const deps = fakeDeps({ resources: [orders] });
    const session = await submitSession(deps, alice, { resource: 'orders', command });
    await awaitReview(deps, session.id, 'token-1');
    expect((await deps.sessions.get(session.id))?.preview).toBeUndefined();
    expect(deps.previewer.asked).toEqual([]);
  });
});

describe('execute with a row ceiling', () => {
  async function approvedWithPreview(failWith?: Error) {
    const deps = fakeDeps({ resources: [orders], rules: [reviewedRule()] });
    const sql = new ScriptedSql(() => {
      if (failWith) throw failWith;
      return { columns: [], rows: [], rowCount: 0, truncated: false, recordsUpdated: 10 };
    });
    const world = { ...deps, sql };
    const submitted = await submitSession(world, alice, { resource: 'orders', command });
    await awaitReview(world, submitted.id, 'token-1');
    Object.assign(world.sessions.items.get(submitted.id)!, { status: 'approved' });
    return { world, id: submitted.id };
  }

  it('hands the session\'s ceiling to the runner', async () => {
    const { world, id } = await approvedWithPreview();
    expect(await execute(world, id)).toEqual({ status: 'done' });
    expect(world.sql.runs.map((run) => run.limits)).toEqual([{ rowLimit: 11 }]);
  });

  it('fails the session with row_limit_exceeded and the counts when the runner rolled back over the ceiling', async () => {
    const { world, id } = await approvedWithPreview(new RowLimitExceededError(14, 11));
    expect(await execute(world, id)).toEqual({ status: 'failed' });
    const session = await world.sessions.get(id);
    expect(session?.error).toEqual({ code: 'row_limit_exceeded', message: 'The command changed 14 rows, more than the 11 its approval allows; it was rolled back and nothing was applied.' });
    expect(world.events.types(sessionStream(id)).at(-1)).toBe('session.failed');
  });
});

it('holds a session decided before its preview was stored to the rule\'s ceiling', async () => {
  const deps = fakeDeps({ resources: [orders], rules: [reviewedRule({ maxRowsAffected: 7 })] });
  const session = await submitSession(deps, alice, { resource: 'orders', command });
  Object.assign(deps.sessions.items.get(session.id)!, { status: 'approved' });
  await execute(deps, session.id);
  expect(deps.sql.runs.map((run) => run.limits)).toEqual([{ rowLimit: 7 }]);
});
