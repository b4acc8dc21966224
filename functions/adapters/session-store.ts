/**
 * Sessions in the Sessions table. Every transition is a single-item conditional write (dynalite, the
 * local stand-in, has no transactions, and one item per write is also what makes races impossible):
 * the condition encodes the lifecycle, so two concurrent reviewers cannot both close a review and the
 * same person can never be counted twice.
 *
 * Items per session: META (the session, with index keys, the review queue's among them: review-queue.ts,
 * which feed the approvers' inbox, byPendingGroup, key removed when the review closes, and history),
 * GROUP#… for sessions written before the queue's keys were on META, TASK_TOKEN while the workflow waits for the review, and the parts kept beside the session item
 * (META#COMMAND, META#PREVIEW, META#NOTIFICATION: session-parts.ts). Every session the store answers
 * carries its submission and preview, wherever they are kept.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ApprovalOutcome, Page, SessionFilters, SessionScope, SessionStore } from '../app/ports';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors';
import type { FollowUp } from '../domain/follow-up';
import { personKey } from '../domain/identity';
import type { Preview } from '../domain/preview';
import type { Approval, Denial, Session } from '../domain/session';
import { batchGetAll, decodeCursor, encodeCursor, isConditionFailure, unlessRefused } from './dynamodb';
import { INBOX_KEY, OPEN_FOLLOW_UP, PREVIEW_STORED, sessionIdOf, sessionKey } from './session-item';
import { COMMAND_SK, joinParts, NOTIFICATION_SK, SessionParts, splitSession } from './session-parts';
import { ReviewQueue } from './review-queue';
import { PREVIEW_SK, SessionPreviews } from './session-preview';

const taskTokenKey = (id: string) => ({ pk: `SESSION#${id}`, sk: 'TASK_TOKEN' });
const monthOf = (iso: string) => iso.slice(0, 7);
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function matches(session: Session, filters: SessionFilters): boolean {
  if (filters.status && session.status !== filters.status) return false;
  if (filters.resource && session.resource.id !== filters.resource) return false;
  if (filters.requester && session.requester.email !== filters.requester && session.requester.sub !== filters.requester) return false;
  if (filters.approver && !session.approvals.some((a) => a.email === filters.approver || a.sub === filters.approver)) return false;
  if (filters.forced !== undefined && session.forced !== filters.forced) return false;
  if (filters.from && session.createdAt < filters.from) return false;
  if (filters.to && session.createdAt > filters.to) return false;
  return true;
}

/** One conditional update of a session item: `#status` names its status, `condition` is what must hold. */
interface Transition {
  readonly expression: string;
  readonly condition: string;
  readonly names?: Record<string, string>;
  readonly values: Record<string, unknown>;
}

export class DynamoSessionStore implements SessionStore {
  /** A month the first-month marker is known to be at or before: no later submission needs to write it. */
  private monthNoted?: string;
  private readonly previews: SessionPreviews;
  private readonly queue: ReviewQueue;
  private readonly parts: SessionParts;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.previews = new SessionPreviews(client, tableName);
    this.queue = new ReviewQueue(client, tableName);
    this.parts = new SessionParts(client, tableName);
  }

  async create(session: Session): Promise<void> {
    const createdKey = `${session.createdAt}#${session.id}`;
    const { item, submitted } = splitSession(session);
    const queueKeys = await this.queue.keysOf(session);
    try {
      // The submission first: a crash before the session item leaves a part nothing reads.
      if (submitted) {
        await this.client.send(
          new PutCommand({ TableName: this.tableName, Item: { pk: sessionKey(session.id).pk, sk: COMMAND_SK, ...submitted }, ConditionExpression: 'attribute_not_exists(pk)' }),
        );
      }
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...sessionKey(session.id),
            // The id is the key's; the requester's own fields are read in place (addApproval).
            ...item,
            requesterKey: `REQUESTER#${session.requester.sub}`,
            createdKey,
            monthKey: `MONTH#${monthOf(session.createdAt)}`,
            // The approvers' inbox and history: in the same write, so no session is missing from them.
            ...queueKeys,
            approvalCount: 0,
            // One count per approval step, each conditioned on its own step's requirement (addApproval).
            ...(session.rule?.approvalSteps ? { stepCounts: session.rule.approvalSteps.map(() => 0) } : {}),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`Session ${session.id} already exists.`, 'session_exists');
      throw error;
    }
    await this.noteMonth(session.createdAt);
  }

  ensureReviewQueue(session: Session): Promise<void> {
    return this.queue.ensure(session);
  }

  /**
   * One consistent Query reads the session item and its parts together (their keys are the only ones
   * under the session's that begin with META, session-parts.ts): billed as one read of all of them up
   * to 4 KB, where a GetItem of each would be billed once each.
   */
  async get(id: string): Promise<Session | undefined> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :meta)',
        ExpressionAttributeValues: { ':pk': sessionKey(id).pk, ':meta': sessionKey(id).sk },
        ConsistentRead: true,
      }),
    );
    return joinParts(Items);
  }

  /** The session an updated item holds, with the parts it keeps beside it. */
  private sessionOf(item: Record<string, unknown>): Promise<Session> {
    return this.parts.complete(item);
  }

  private async item(id: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: sessionKey(id), ConsistentRead: true }));
    return Item;
  }

  private async mustGet(id: string): Promise<Session> {
    const session = await this.get(id);
    if (!session) throw new NotFoundError(`Session ${id} does not exist.`);
    return session;
  }

  /** Runs a conditional update of the session: the updated session, or undefined when the condition did not hold. */
  private async transition(id: string, update: Transition): Promise<Session | undefined> {
    const item = await this.update(id, update);
    return item && this.sessionOf(item);
  }

  /** The conditional update itself: the updated item, or undefined when the condition did not hold. */
  private async update(id: string, update: Transition): Promise<Record<string, unknown> | undefined> {
    const updated = await unlessRefused(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sessionKey(id),
          UpdateExpression: update.expression,
          ConditionExpression: `attribute_exists(pk) AND (${update.condition})`,
          ExpressionAttributeNames: { '#status': 'status', ...update.names },
          ExpressionAttributeValues: update.values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return updated?.Attributes;
  }

  /**
   * A transition that closes a pending review: on success the review leaves every group's inbox, the
   * session item's inbox key in the same write.
   */
  private async closingReview(id: string, update: Transition): Promise<Session | undefined> {
    const session = await this.transition(id, { ...update, expression: `${update.expression} REMOVE ${INBOX_KEY}` });
    if (session) await this.closeReviewQueue(session);
    return session;
  }

  /** A decision on a pending review: it closes the review, or finds it closed and says so (review_closed). */
  private async decide(id: string, update: Transition): Promise<Session> {
    return (await this.closingReview(id, update)) ?? this.closedReview(id);
  }

  private async closedReview(id: string): Promise<never> {
    const current = await this.mustGet(id);
    throw new ConflictError(`Session ${id} is already ${current.status}; its review is closed.`, 'review_closed', {
      status: current.status,
    });
  }

  private async closeReviewQueue(session: Session): Promise<void> {
    await this.queue.close(session.id);
  }

  /**
   * One person is one approver, decided by the write itself: an approval counts only if neither its
   * person key (the normalised email) nor its subject is the requester's or already among the
   * approvers'. Concurrent approvals of one person, under one subject or two, count once: the first
   * conditional write wins, the others find the key present. An approval toward an approval step also
   * needs that step short of its own count, so two approvals racing for a one-approval step count once.
   */
  async addApproval(id: string, approval: Approval, approvalsBefore?: number): Promise<ApprovalOutcome> {
    const key = personKey(approval);
    if (!key) throw new InvalidInputError('email: an approval needs the approver\'s email, the key that tells people apart', { fields: ['email'] });
    const step = approval.step;
    if (step !== undefined && !(Number.isInteger(step) && step >= 0)) throw new InvalidInputError('step: must be the index of an approval step', { fields: ['step'] });
    const stepCount = `stepCounts[${step}]`;
    const sets = `approvals = list_append(approvals, :approval), updatedAt = :at${step === undefined ? '' : `, ${stepCount} = ${stepCount} + :one`}`;
    const adds = ' ADD approverSubs :subs, approverEmails :emails, approvalCount :one';
    const counting = {
      expression: `SET ${sets}${adds}`,
      condition:
        '#status = :pending AND approvalCount < approvalsRequired AND #requester.#sub <> :sub AND #requester.email <> :email' +
        ' AND (attribute_not_exists(approverSubs) OR NOT contains(approverSubs, :sub))' +
        ' AND (attribute_not_exists(approverEmails) OR NOT contains(approverEmails, :email))' +
        (step === undefined ? '' : ` AND ${stepCount} < #rule.approvalSteps[${step}].approvals`),
      names: { '#requester': 'requester', '#sub': 'sub', ...(step === undefined ? {} : { '#rule': 'rule' }) } as Record<string, string>,
      values: {
        ':approval': [{ ...approval, email: key }],
        ':at': approval.at,
        ':subs': new Set([approval.sub]),
        ':emails': new Set([key]),
        ':one': 1,
        ':pending': 'pending_review',
        ':sub': approval.sub,
        ':email': key,
      },
    };
    // The approval that meets the count closes the review in the same write, when the count is still
    // the one the caller read: one rewrite of the session instead of two.
    if (approvalsBefore !== undefined) {
      const closed = await this.closingReview(id, {
        expression: `SET #status = :approved, decidedAt = :at, ${sets}${adds}`,
        condition: `${counting.condition} AND approvalCount = :before AND approvalsRequired = :meets`,
        names: counting.names,
        values: { ...counting.values, ':approved': 'approved', ':before': approvalsBefore, ':meets': approvalsBefore + 1 },
      });
      if (closed) return { session: closed, counted: true };
    }
    const session = await this.transition(id, counting);
    if (session) return { session, counted: true };
    // Not counted: either this person already approved, or the count is already met (its writer may
    // not have closed the review yet), or the review is closed.
    const current = await this.mustGet(id);
    if (current.status === 'pending_review') return { session: current, counted: false };
    return this.closedReview(id);
  }

  markApproved(id: string, at: string): Promise<Session | undefined> {
    return this.closingReview(id, {
      expression: 'SET #status = :approved, decidedAt = :at, updatedAt = :at',
      condition: '#status = :pending AND approvalCount >= approvalsRequired',
      values: { ':approved': 'approved', ':pending': 'pending_review', ':at': at },
    });
  }

  async closeFollowUp(id: string, followUp: FollowUp): Promise<Session | undefined> {
    return this.transition(id, {
      // Leaves the open follow-ups index (byOpenFollowUp) in the same write that closes it.
      expression: 'SET followUp = :followUp, updatedAt = :at REMOVE openFollowUpKey, followUpDueKey',
      condition: 'followUp.#status = :open',
      values: { ':followUp': followUp, ':at': followUp.closedAt, ':open': 'open' },
    });
  }

  forceApprove(id: string, approval: Approval, followUp: FollowUp): Promise<Session> {
    return this.decide(id, {
      expression:
        'SET #status = :approved, forced = :true, approvals = list_append(approvals, :approval), decidedAt = :at, updatedAt = :at, followUp = :followUp, openFollowUpKey = :openFollowUp, followUpDueKey = :dueKey ADD approverSubs :subs, approverEmails :emails, approvalCount :one',
      condition: '#status = :pending',
      values: {
        ':approved': 'approved',
        ':pending': 'pending_review',
        ':true': true,
        ':approval': [approval],
        ':followUp': followUp,
        ':openFollowUp': OPEN_FOLLOW_UP,
        ':dueKey': `${followUp.dueAt}#${id}`,
        ':at': approval.at,
        ':subs': new Set([approval.sub]),
        ':emails': new Set([approval.email]),
        ':one': 1,
      },
    });
  }

  deny(id: string, denial: Denial): Promise<Session> {
    return this.decide(id, {
      expression: 'SET #status = :denied, denial = :denial, decidedAt = :at, finishedAt = :at, updatedAt = :at',
      condition: '#status = :pending',
      values: { ':denied': 'denied', ':pending': 'pending_review', ':denial': denial, ':at': denial.at },
    });
  }

  cancel(id: string, at: string): Promise<Session> {
    return this.decide(id, {
      expression: 'SET #status = :cancelled, finishedAt = :at, updatedAt = :at',
      condition: '#status = :pending',
      values: { ':cancelled': 'cancelled', ':pending': 'pending_review', ':at': at },
    });
  }

  async expire(id: string, at: string): Promise<Session> {
    const session = await this.closingReview(id, {
      expression: 'SET #status = :expired, finishedAt = :at, updatedAt = :at',
      condition: '#status = :pending AND approvalCount < approvalsRequired',
      values: { ':expired': 'expired', ':pending': 'pending_review', ':at': at },
    });
    // Not expired: enough approvals arrived but the writer that reached the count never closed the
    // review. Close it as approved now, since those approvals were given inside the window.
    return session ?? (await this.markApproved(id, at)) ?? this.mustGet(id);
  }

  /**
   * The preview item first, then the session says it has one, while its review is open and it has
   * none yet (the change to the session is what waiting clients are told of). A crash in between
   * leaves a preview item nothing reads; the next attempt keeps that preview and finishes the job.
   */
  async savePreview(id: string, preview: Preview, at: string): Promise<Session | undefined> {
    await this.previews.put(id, preview);
    const item = await this.update(id, {
      expression: `SET ${PREVIEW_STORED} = :true, updatedAt = :at`,
      condition: `#status = :pending AND attribute_not_exists(preview) AND attribute_not_exists(${PREVIEW_STORED})`,
      values: { ':true': true, ':pending': 'pending_review', ':at': at },
    });
    // Read back with its parts: the preview stored is the first one, whichever attempt stored it.
    return item && this.sessionOf(item);
  }

  async startRunning(id: string, at: string): Promise<Session | undefined> {
    return this.transition(id, {
      expression: 'SET #status = :running, startedAt = :at, updatedAt = :at',
      condition: '#status = :approved',
      values: { ':running': 'running', ':approved': 'approved', ':at': at },
    });
  }

  async returnToApproved(id: string): Promise<void> {
    await this.transition(id, {
      expression: 'SET #status = :approved REMOVE startedAt',
      condition: '#status = :running',
      values: { ':running': 'running', ':approved': 'approved' },
    });
  }

  async finish(
    id: string,
    at: string,
    outcome: { status: 'done'; result: Session['result'] } | { status: 'failed'; error: Session['error'] },
  ): Promise<Session | undefined> {
    const detail = outcome.status === 'done' ? { name: 'result', value: outcome.result } : { name: 'error', value: outcome.error };
    // A failure may be recorded from pending_review (the workflow broke while the review was open),
    // approved (never started) or running; success only from running.
    const from = outcome.status === 'done' ? '#status = :running' : '#status IN (:running, :approved, :pending)';
    const session = await this.transition(id, {
      expression: `SET #status = :final, #detail = :detail, finishedAt = :at, updatedAt = :at${outcome.status === 'failed' ? ` REMOVE ${INBOX_KEY}` : ''}`,
      condition: from,
      names: { '#detail': detail.name },
      values: {
        ':final': outcome.status,
        ':detail': detail.value,
        ':at': at,
        ':running': 'running',
        ...(outcome.status === 'failed' ? { ':approved': 'approved', ':pending': 'pending_review' } : {}),
      },
    });
    // A review that ends this way leaves the approvers' inboxes; closing an already closed queue is a no-op.
    if (session?.status === 'failed') await this.closeReviewQueue(session);
    return session;
  }

  /**
   * The task token lives in its own item (SESSION#id/TASK_TOKEN), written once: a Step Functions token
   * runs to about a kilobyte, and kept on the session item it would be billed again at every later
   * rewrite of the session.
   */
  async saveTaskToken(id: string, token: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...taskTokenKey(id), token } }));
  }

  async taskToken(id: string): Promise<string | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: taskTokenKey(id), ConsistentRead: true }));
    if (Item) return Item.token as string;
    // A review that was waiting before the token had its own item keeps it on the session item.
    return (await this.item(id))?.taskToken as string | undefined;
  }

  /**
   * Where the review request went, in its own part (session-parts.ts): on the session item it was billed
   * again at every later rewrite. The latest post is the one kept.
   */
  async saveNotification(id: string, notification: Record<string, string>): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: sessionKey(id).pk, sk: NOTIFICATION_SK, notification } }));
  }

  async list(scope: SessionScope, filters: SessionFilters, limit: number, cursor?: string): Promise<Page<Session>> {
    switch (scope.kind) {
      case 'requester':
        return this.queryMeta('byRequester', 'requesterKey', `REQUESTER#${scope.sub}`, filters, limit, cursor);
      case 'all':
        return this.listAllByMonth(filters, limit, cursor);
      case 'review_group':
        return this.listByGroups(scope.groups, 'byReviewGroup', 'reviewGroupKey', filters, limit, cursor);
    }
  }

  async pendingFor(groups: readonly string[], limit: number): Promise<Session[]> {
    const page = await this.listByGroups(groups, 'byPendingGroup', 'pendingGroupKey', { status: 'pending_review' }, limit);
    return page.items;
  }

  /**
   * Queries an index of META items (it holds their keys only), reads those sessions from the table and
   * filters them here, until `limit` match or the index ends.
   */
  private async queryMeta(
    indexName: string,
    keyName: string,
    keyValue: string,
    filters: SessionFilters,
    limit: number,
    cursor: string | undefined,
    range?: { from?: string; to?: string },
  ): Promise<Page<Session>> {
    const items: Session[] = [];
    let startKey = decodeCursor(cursor)?.key;
    const bounds = range ?? filters;
    const keyCondition = ['#key = :key'];
    if (bounds.from && bounds.to) keyCondition.push('createdKey BETWEEN :from AND :to');
    else if (bounds.from) keyCondition.push('createdKey >= :from');
    else if (bounds.to) keyCondition.push('createdKey <= :to');
    // Unfiltered, every key read is a session returned; filtered, read ahead.
    const filtered = Object.entries(filters).some(([name, value]) => value !== undefined && name !== 'from' && name !== 'to');
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: indexName,
          KeyConditionExpression: keyCondition.join(' AND '),
          ExpressionAttributeNames: { '#key': keyName },
          ExpressionAttributeValues: {
            ':key': keyValue,
            ...(bounds.from ? { ':from': bounds.from } : {}),
            ...(bounds.to ? { ':to': `${bounds.to}\uffff` } : {}),
          },
          ScanIndexForward: false,
          Limit: filtered ? Math.max(limit * 2, 25) : limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      const keys = page.Items ?? [];
      const sessions = await this.batchGet(keys.map((key) => sessionIdOf(key)));
      for (const key of keys) {
        const session = sessions.get(sessionIdOf(key));
        if (!session || !matches(session, filters)) continue;
        items.push(session);
        if (items.length === limit) {
          return {
            items,
            cursor: encodeCursor({ pk: key.pk, sk: key.sk, [keyName]: keyValue, createdKey: key.createdKey }),
          };
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { items };
  }

  /**
   * Walks month partitions backwards from `to` (or now) to `from` (or the first session ever). The walk
   * is bounded by what exists: it starts no later than this month (no session is created in the
   * future) and stops at the first month any session was created in, whatever dates were asked for.
   */
  private async listAllByMonth(filters: SessionFilters, limit: number, cursor: string | undefined): Promise<Page<Session>> {
    const decoded = decodeCursor(cursor);
    const now = monthOf(new Date().toISOString());
    const asked = decoded?.month ?? (filters.to ? monthOf(filters.to) : now);
    if (typeof asked !== 'string' || !MONTH.test(asked)) throw new InvalidInputError('cursor: not a cursor this API returned', { fields: ['cursor'] });
    let month = asked < now ? asked : now;
    let startCursor = cursor;
    const first = await this.firstMonth();
    const floor = first && filters.from && monthOf(filters.from) > first ? monthOf(filters.from) : first;
    const items: Session[] = [];
    while (floor && month >= floor) {
      const page = await this.queryMeta('byMonth', 'monthKey', `MONTH#${month}`, filters, limit - items.length, startCursor);
      items.push(...page.items);
      if (page.cursor) {
        const inner = decodeCursor(page.cursor);
        return { items, cursor: encodeCursor(inner?.key, { month }) };
      }
      month = previousMonth(month);
      startCursor = undefined;
    }
    return { items };
  }

  private async firstMonth(): Promise<string | undefined> {
    // The oldest session bounds the month walk; kept on a small marker item written on first use.
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: 'MARKER', sk: 'FIRST_MONTH' } }));
    return Item?.month as string | undefined;
  }

  /**
   * Records the first month sessions exist in, so listings know where history starts. Once this store has
   * seen the marker at or before a month, later months need no write: months only move forward.
   */
  private async noteMonth(iso: string): Promise<void> {
    const month = monthOf(iso);
    if (this.monthNoted && this.monthNoted <= month) return;
    // Refused: the marker already holds this month or an earlier one.
    await unlessRefused(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: 'MARKER', sk: 'FIRST_MONTH' },
          UpdateExpression: 'SET #month = :month',
          ConditionExpression: 'attribute_not_exists(#month) OR #month > :month',
          ExpressionAttributeNames: { '#month': 'month' },
          ExpressionAttributeValues: { ':month': month },
        }),
      ),
    );
    this.monthNoted = month;
  }

  private async listByGroups(
    groups: readonly string[],
    indexName: string,
    keyName: string,
    filters: SessionFilters,
    limit: number,
    cursor?: string,
  ): Promise<Page<Session>> {
    // Each index partition of the caller's groups is read newest first, merged, and de-duplicated (a
    // session can be waiting for several of the caller's groups); the cursor is the createdKey to
    // continue below.
    const below = decodeCursor(cursor)?.key.createdKey as string | undefined;
    const ids = new Map<string, string>();
    await Promise.all(
      (await this.queue.partitions(groups)).map(async (partition) => {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: indexName,
            KeyConditionExpression: below ? '#key = :key AND createdKey < :below' : '#key = :key',
            ExpressionAttributeNames: { '#key': keyName },
            ExpressionAttributeValues: { ':key': partition, ...(below ? { ':below': below } : {}) },
            ScanIndexForward: false,
            Limit: Math.min(limit * 4, 500),
          }),
        );
        for (const item of page.Items ?? []) ids.set(sessionIdOf(item), item.createdKey as string);
      }),
    );
    const ordered = [...ids.entries()].sort((a, b) => (a[1] < b[1] ? 1 : -1));
    const sessions = await this.batchGet(ordered.map(([id]) => id));
    const items: Session[] = [];
    let lastKey: string | undefined;
    for (const [id, createdKey] of ordered) {
      const session = sessions.get(id);
      lastKey = createdKey;
      if (session && matches(session, filters)) items.push(session);
      if (items.length === limit) break;
    }
    const more = items.length === limit && lastKey !== ordered.at(-1)?.[1];
    return { items, cursor: more ? encodeCursor({ createdKey: lastKey }) : undefined };
  }

  /**
   * These sessions, by id, with their submission and preview where they are kept apart (read together
   * in one more batch). A listing carries no notification kept apart: nothing that lists reads it.
   */
  private async batchGet(ids: string[]): Promise<Map<string, Session>> {
    const items = await batchGetAll(this.client, this.tableName, ids.map(sessionKey));
    const partKeys = items.flatMap((item) => [
      ...(item.command === undefined ? [{ pk: item.pk, sk: COMMAND_SK }] : []),
      ...(item[PREVIEW_STORED] ? [{ pk: item.pk, sk: PREVIEW_SK }] : []),
    ]);
    const parts = await batchGetAll(this.client, this.tableName, partKeys);
    return new Map(items.map((item) => [sessionIdOf(item), joinParts([item, ...parts.filter((part) => part.pk === item.pk)])!]));
  }
}

function previousMonth(month: string): string {
  const [year, m] = month.split('-').map(Number);
  return m === 1 ? `${year - 1}-12` : `${year}-${String(m - 1).padStart(2, '0')}`;
}
