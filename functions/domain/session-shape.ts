/**
 * The session as it is stored and as the API sends it: the record, its approvals and denial, and the
 * parameters bound to its command. Nothing here imports Node (session.ts holds the digests and the
 * review decisions, and re-exports all of this), so the web UI type-checks against these very types
 * with `import type` (web/src/types.ts) and bundles nothing from here.
 */
import * as z from './zod';
import type { FollowUp } from './follow-up';
import type { Actor } from './identity';
import type { Preview } from './preview';
import type { ResourceSummary } from './resource';
import type { RuleSnapshot } from './rule';
import type { SessionStatus } from './session-status';

export * from './session-status';

export const MAX_PARAMETERS = 1000;

/**
 * A bound parameter in the RDS Data API's own shape (`:name` in the command, one typed value member,
 * an optional typeHint), so the executor hands it to ExecuteStatement unchanged. Integers stay within
 * JavaScript's safe range because JSON carries them as doubles: larger ones travel as a DECIMAL string.
 */
const parameterValueSchema = z.union([
  z.strictObject({ isNull: z.literal(true) }),
  z.strictObject({ stringValue: z.string() }),
  z.strictObject({ longValue: z.int().check(z.refine(Number.isSafeInteger, 'must be a safe integer; send larger ones as stringValue with typeHint DECIMAL')) }),
  z.strictObject({ doubleValue: z.number() }),
  z.strictObject({ booleanValue: z.boolean() }),
  z.strictObject({ blobValue: z.string().check(z.regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')) }),
]);

export const sqlParameterSchema = z.strictObject({
  name: z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a placeholder name (letters, digits, underscore)')),
  value: parameterValueSchema,
  typeHint: z.optional(z.enum(['DATE', 'DECIMAL', 'JSON', 'TIME', 'TIMESTAMP', 'UUID'])),
});

export const sqlParametersSchema = z
  .array(sqlParameterSchema)
  .check(
    z.maxLength(MAX_PARAMETERS, `at most ${MAX_PARAMETERS} parameters`),
    z.refine((list) => new Set(list.map((p) => p.name)).size === list.length, 'parameter names must be unique'),
  );

export type SqlParameter = z.output<typeof sqlParameterSchema>;

export type ReviewChannel = 'web' | 'slack' | 'api';

export interface Approval extends Actor {
  readonly at: string;
  readonly via: ReviewChannel;
  readonly forced: boolean;
  readonly reason?: string;
  /** The approval step (index into the rule's approvalSteps) this approval counts toward; absent without steps. */
  readonly step?: number;
}

export interface Denial extends Actor {
  readonly at: string;
  readonly via: ReviewChannel;
  readonly reason?: string;
}

export interface ResultSummary {
  readonly rowCount: number;
  readonly durationMs: number;
  readonly truncated: boolean;
  readonly recordsUpdated?: number;
}

export interface SessionError {
  readonly code: string;
  readonly message: string;
}

export interface Session {
  readonly id: string;
  readonly status: SessionStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly requester: Actor & { readonly groups: readonly string[] };
  readonly resource: ResourceSummary;
  readonly command: string;
  /** Values bound to the command's `:name` placeholders; approvers see them and the digest covers them. */
  readonly parameters?: readonly SqlParameter[];
  readonly commandSha256: string;
  readonly reason?: string;
  readonly rule?: RuleSnapshot;
  /** What the command will do, worked out at submission, and the row ceiling its approval carries (functions/domain/preview.ts). */
  readonly preview?: Preview;
  readonly approvalsRequired: number;
  readonly approvals: readonly Approval[];
  readonly forced: boolean;
  readonly denial?: Denial;
  readonly expiresAt?: string;
  readonly decidedAt?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly result?: ResultSummary;
  readonly error?: SessionError;
  /** Opened by a forced approval; closed by another approver (functions/domain/follow-up.ts). */
  readonly followUp?: FollowUp;
  /** Where the review request was posted (e.g. Slack channel and message ts), so any process can update it. */
  readonly notification?: Readonly<Record<string, string>>;
  /** `window`: an access window, whose `command` is empty (functions/domain/window.ts); absent: one command. */
  readonly kind?: 'window';
  /** A window's length, counted from the moment it opens. */
  readonly durationSeconds?: number;
  /** When an active window closes; commands submitted at or after it wait for review again. */
  readonly windowEndsAt?: string;
  /** Who revoked a window, and when. */
  readonly revokedBy?: Actor & { readonly at: string };
  /** On a command run without review: the id of the active window session that granted it. */
  readonly grant?: string;
}
