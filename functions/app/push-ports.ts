/**
 * The ports of the push to waiting clients: instead of holding a request open while a person decides,
 * a client keeps a WebSocket connection, says which sessions it waits on, and is told when one changes.
 * Nothing here names AWS: the adapters are API Gateway's WebSocket API and a DynamoDB table on AWS, and
 * the local runtime's stand-ins for them (infra/local/socket-api.ts).
 */
import type { Identity } from '../domain/identity';
import type { SessionStatus } from '../domain/session';
import type { Clock, Log, SessionStore } from './ports';

/** One connection waiting on a session, and the person who opened it (as its token named them). */
export interface Watcher {
  readonly connectionId: string;
  readonly who: Identity;
}

/**
 * Which connections wait on which session. A connection that ends leaves its entries behind: they expire
 * on their own (`until`), and a push that finds the connection gone forgets it. Writes are idempotent and
 * never conditional, so a watch and a forget racing for the same entry end in whichever wrote last; the
 * worst outcome is one more push finding the connection gone.
 */
export interface SessionWatchers {
  watch(sessionId: string, watcher: Watcher, until: Date): Promise<void>;
  /** The connections waiting on the session whose entries have not expired. */
  watchers(sessionId: string): Promise<Watcher[]>;
  forget(sessionId: string, connectionId: string): Promise<void>;
}

/** What a waiting client is told: the session changed; it reads the new view with GET /sessions/{id}. */
export interface SessionChange {
  readonly type: 'session';
  readonly sessionId: string;
  readonly status: SessionStatus;
  readonly updatedAt: string;
}

export interface SocketChannel {
  /** Sends one message to a connection; 'gone' when the client has disconnected. */
  send(connectionId: string, message: SessionChange): Promise<'sent' | 'gone'>;
}

/** Claims as API Gateway's JWT authorizer hands them to Lambda: arrays flattened to "[a b]". */
export type VerifiedClaims = Readonly<Record<string, string | number | boolean>>;

export interface TokenVerifier {
  /** The token's claims when it is valid now for this API (issuer, audience, signature, expiry); else undefined. */
  verify(token: string): Promise<VerifiedClaims | undefined>;
}

export interface PushDeps {
  readonly sessions: Pick<SessionStore, 'get'>;
  readonly watchers: SessionWatchers;
  readonly channel: SocketChannel;
  readonly tokens: TokenVerifier;
  readonly roles: { readonly admins: string; readonly auditors: string };
  readonly clock: Clock;
  readonly log: Log;
}
