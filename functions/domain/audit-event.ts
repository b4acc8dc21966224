/**
 * An audit event as the chain stores it and the API returns it. Its own module, importing no Node, so
 * the web UI can `import type` it (web/src/types.ts); the hashing is in audit-chain.ts.
 */
import type { EventActor } from './identity';

export interface AuditEventBody {
  /** The chain this event belongs to: `SESSION#<id>`, `CONFIG` or `SECURITY#<yyyy-mm-dd>`. */
  readonly stream: string;
  readonly seq: number;
  readonly at: string;
  readonly type: string;
  readonly actor: EventActor;
  readonly details: Record<string, unknown>;
  readonly prev: string;
}

export interface AuditEvent extends AuditEventBody {
  readonly hash: string;
}
