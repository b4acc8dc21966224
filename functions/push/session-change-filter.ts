/**
 * Which records of the sessions table's stream are a change waiting clients are told about: a
 * session's own item (SESSION#<id> / META) written or updated. Rules, resources, review-group and
 * notification items are not. The stack's event source mapping filters with this pattern before
 * Lambda is invoked (filtered records cost nothing); the local stream stand-in applies the same test.
 * Imports nothing, so the CDK app can use it.
 */
export const SESSION_CHANGE_PATTERN = {
  eventName: ['INSERT', 'MODIFY'],
  dynamodb: { Keys: { pk: { S: [{ prefix: 'SESSION#' }] }, sk: { S: ['META'] } } },
} as const;

interface StreamRecordShape {
  readonly eventName?: string;
  readonly dynamodb?: { readonly Keys?: Record<string, { readonly S?: string } | undefined>; readonly NewImage?: unknown };
}

export function isSessionChange(record: StreamRecordShape): boolean {
  const keys = record.dynamodb?.Keys;
  return (
    (record.eventName === 'INSERT' || record.eventName === 'MODIFY') &&
    !!record.dynamodb?.NewImage &&
    (keys?.pk?.S ?? '').startsWith('SESSION#') &&
    keys?.sk?.S === 'META'
  );
}
