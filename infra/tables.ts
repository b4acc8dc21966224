/**
 * Key schemas and indexes of every DynamoDB table, in one place: the CDK stack builds its tables from
 * these definitions and the local runtime creates the same tables in dynalite, so the two runtimes can
 * never disagree about a key or an index name. Imports nothing from AWS so both sides can use it.
 */

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /**
   * Non-key attributes the index projects: absent projects every attribute (ALL), an empty list none
   * (KEYS_ONLY), a list those (INCLUDE). An index that projects less is written less: an update that
   * changes no key and no projected attribute costs that index nothing.
   */
  readonly projection?: readonly string[];
}

/** An index's projection as CloudFormation and the DynamoDB API spell it. */
export function projectionOf(index: IndexDefinition): { ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] } {
  if (!index.projection) return { ProjectionType: 'ALL' };
  return index.projection.length ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection] } : { ProjectionType: 'KEYS_ONLY' };
}

export interface TableDefinition {
  /** Logical id in the stack and default physical name prefix locally. */
  readonly id: string;
  /** Environment variable through which handlers learn the table name. */
  readonly envVar: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly indexes: readonly IndexDefinition[];
  /** Attribute holding an epoch-seconds expiry, if the table expires items. */
  readonly timeToLiveAttribute?: string;
  /** Whether the table feeds a stream (the audit exporter reads the event log's). */
  readonly stream?: boolean;
}

/**
 * Sessions, their review queue items, rules and resources.
 * Items: SESSION#id/META (with the review queue's keys, functions/adapters/review-queue.ts), SESSION#id/GROUP#<review
 * groups> (the review queue of sessions written before: one per session, or one per group), RULE#name/META, RESOURCE#id/META. Every index is sparse: only the items that carry its keys appear in it.
 * The session indexes project keys only: the session item is rewritten at every step of its lifecycle,
 * and an index that holds only its keys costs nothing to those rewrites. Listings read the keys from the
 * index and the sessions themselves from the table (functions/adapters/session-store.ts).
 */
export const sessionsTable = {
  id: 'Sessions',
  envVar: 'SESSIONS_TABLE',
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [
    // "my sessions", newest first
    { indexName: 'byRequester', partitionKey: 'requesterKey', sortKey: 'createdKey', projection: [] },
    // auditors' and admins' time-range listing, one partition per month
    { indexName: 'byMonth', partitionKey: 'monthKey', sortKey: 'createdKey', projection: [] },
    // every session a review group was asked about (approvers' history)
    { indexName: 'byReviewGroup', partitionKey: 'reviewGroupKey', sortKey: 'createdKey', projection: [] },
    // sessions still waiting for a review group: the key is removed when the review closes
    { indexName: 'byPendingGroup', partitionKey: 'pendingGroupKey', sortKey: 'createdKey', projection: [] },
    // forced sessions whose follow-up is still open, by due time: both keys are removed when it is closed
    { indexName: 'byOpenFollowUp', partitionKey: 'openFollowUpKey', sortKey: 'followUpDueKey', projection: [] },
    // rules and resources by kind, ordered by name
    { indexName: 'byKind', partitionKey: 'kind', sortKey: 'name' },
  ],
  // Feeds the push to waiting clients (functions/push/stream.ts): each session's new image.
  stream: true,
} as const satisfies TableDefinition;

/** Append-only, hash-chained event log: pk = stream (SESSION#id, CONFIG, SECURITY#day), sk = sequence. */
export const eventsTable = {
  id: 'Events',
  envVar: 'EVENTS_TABLE',
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [],
  stream: true,
} as const satisfies TableDefinition;

/** Query results, readable only by the requester through the API, expiring after a day. */
export const resultsTable = {
  id: 'Results',
  envVar: 'RESULTS_TABLE',
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [],
  timeToLiveAttribute: 'expiresAt',
} as const satisfies TableDefinition;

/**
 * Audit evidence bookkeeping (functions/adapters/evidence-state.ts): each stream's export cursor
 * (CURSOR#<stream>), the digest chain head (DIGEST/HEAD), the objects recorded in each digest period
 * (PERIOD#<start>/OBJECT#<key>, one item each, and PERIOD#<start>/SEAL), the daily table exports and the published signing keys.
 */
export const evidenceTable = {
  id: 'Evidence',
  envVar: 'EVIDENCE_TABLE',
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [],
} as const satisfies TableDefinition;

/**
 * Open WebSocket connections of waiting clients (functions/adapters/connection-store.ts): CONNECTION#id/META
 * holds who connected, SESSION#id/CONNECTION#id each session a connection follows. API Gateway ends a
 * connection after two hours at most; the expiry removes what a lost $disconnect left behind.
 */
export const connectionsTable = {
  id: 'Connections',
  envVar: 'CONNECTIONS_TABLE',
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [],
  timeToLiveAttribute: 'expiresAt',
} as const satisfies TableDefinition;

export const allTables: readonly TableDefinition[] = [sessionsTable, eventsTable, resultsTable, evidenceTable, connectionsTable];
