/**
 * Rules that decide by what a command is: the guardrails a rule denies outright, and the proof a
 * command is read-only that lets a rule run it without review. Pure: it reads the statements the
 * engine's own parser found (`sql-statements.ts`), never the text, so comments, case and whitespace
 * cannot hide a statement from it.
 */
import { ForbiddenError } from './errors';
import type { SqlStatement } from './sql-statements';

/** What a rule's `guardrails.deny` may name. */
export const GUARDRAILS = ['ddl', 'drop', 'truncate', 'delete-without-where', 'update-without-where', 'privilege', 'multi-statement'] as const;
export type Guardrail = (typeof GUARDRAILS)[number];

/** What a rule's `autoApprove` may say: only commands the parser proves read-only skip review. */
export const AUTO_APPROVE = ['read-only'] as const;

const MATCHES: Record<Guardrail, (statement: SqlStatement, all: readonly SqlStatement[]) => boolean> = {
  ddl: (s) => s.kind === 'ddl',
  drop: (s) => s.flags.includes('drop'),
  truncate: (s) => s.flags.includes('truncate'),
  'delete-without-where': (s) => s.flags.includes('delete-without-where'),
  'update-without-where': (s) => s.flags.includes('update-without-where'),
  privilege: (s) => s.kind === 'privilege',
  'multi-statement': (_s, all) => all.length > 1,
};

export interface GuardrailMatch {
  readonly guardrail: Guardrail;
  /** What the requester is told: which statement, and why. */
  readonly message: string;
}

/** A command refused at submission by its rule's guardrail: 403 `{ error: { code: "guardrail", guardrail, message } }`. */
export class GuardrailRefusedError extends ForbiddenError {
  override readonly body: { readonly guardrail: Guardrail };
  constructor(match: GuardrailMatch) {
    super(match.message, 'guardrail');
    this.body = { guardrail: match.guardrail };
  }
}

/**
 * The first guardrail in `deny` (in the rule's order) that the command's statements match. Text the
 * parser could not read matches the first guardrail: nothing can show it is not what that guardrail
 * denies, so a rule with guardrails refuses it rather than let it through unread.
 */
export function guardrailMatched(deny: readonly Guardrail[], statements: readonly SqlStatement[]): GuardrailMatch | undefined {
  if (deny.length === 0) return undefined;
  const unreadable = statements.findIndex((s) => s.flags.includes('unparsable'));
  if (unreadable >= 0) {
    return {
      guardrail: deny[0],
      message: `The parser could not read this command, so it cannot be shown to pass the rule's guardrail "${deny[0]}"; fix its syntax.`,
    };
  }
  for (const guardrail of deny) {
    const at = statements.findIndex((s) => MATCHES[guardrail](s, statements));
    if (at >= 0) {
      const which = statements.length > 1 ? `Statement ${at + 1} of ${statements.length}` : 'The command';
      const what = guardrail === 'multi-statement' ? `holds ${statements.length} statements` : `is ${describe(statements[at])}`;
      return { guardrail, message: `${which} ${what}, which this rule's guardrail "${guardrail}" refuses.` };
    }
  }
  return undefined;
}

const describe = (s: SqlStatement): string => [s.kind, ...s.flags].join(', ') + (s.tables.length ? ` on ${s.tables.join(', ')}` : '');

/**
 * The statement types that can only read: a SELECT (no INTO), SHOW, and EXPLAIN (whose kind is already
 * that of the statement it explains when ANALYZE runs it).
 */
const READ_ONLY_COMMANDS = new Set(['SelectStmt', 'VariableShowStmt', 'ExplainStmt', 'select', 'show', 'desc']);

/**
 * Whether the parser proves every statement read-only: at least one statement, each a plain read
 * carrying no flag at all. So a data-modifying CTE, a function not on the allow-list, SELECT … FOR
 * UPDATE/SHARE, unreadable text, COPY, transaction control, and any script with one such statement
 * are never read-only.
 */
export function provenReadOnly(statements: readonly SqlStatement[]): boolean {
  return statements.length > 0 && statements.every((s) => s.kind === 'read' && s.flags.length === 0 && READ_ONLY_COMMANDS.has(s.command));
}

/** What the audit trail keeps of a classification: per statement its kind, tables and flags. */
export const classificationOf = (statements: readonly SqlStatement[]) =>
  statements.map((s) => ({ kind: s.kind, tables: s.tables, flags: s.flags }));
