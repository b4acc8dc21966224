/**
 * The preview: what a command will do, worked out at submission, before anyone reviews it, and the
 * row ceiling its approval carries. Pure: the dry run and the planner's estimates come from the
 * CommandPreviewer port (functions/app/ports.ts); this module decides what they mean.
 *
 * The preview can never change the command: it is stored beside it, and the SHA-256 binds what runs.
 */
import type { StatementKind } from './sql-statements';

/** A compact planner view: the top node's type and estimate, its children the same way. */
export interface PlanNode {
  readonly node: string;
  readonly relation?: string;
  readonly rows?: number;
  readonly children?: readonly PlanNode[];
}

export interface StatementPreview {
  readonly kind: StatementKind;
  readonly tables: readonly string[];
  readonly flags: readonly string[];
  /** Rows the statement changed in the dry run (writes). */
  readonly rowsAffected?: number;
  /** The planner's estimate of the rows a read returns. */
  readonly estimatedRows?: number;
  readonly plan?: PlanNode;
}

export interface Preview {
  readonly statements: readonly StatementPreview[];
  /** Rows the whole command changed in the dry run, when every write in it was dry run. */
  readonly rowsAffected?: number;
  /** The most rows the command may change when it runs; more rolls it back (`row_limit_exceeded`). */
  readonly rowLimit?: number;
  /** Why the dry run (or the whole preview) did not happen; counts above are then missing. */
  readonly skipped?: string;
}

/**
 * The ceiling an approval carries: the rule's `maxRowsAffected` when it sets one; otherwise the
 * previewed count plus 10 %, at least one row more (rows can appear between preview and execution);
 * no ceiling when nothing was counted.
 */
export function rowLimitFor(maxRowsAffected: number | undefined, rowsAffected: number | undefined): number | undefined {
  if (maxRowsAffected !== undefined) return maxRowsAffected;
  if (rowsAffected === undefined) return undefined;
  return rowsAffected + Math.max(1, Math.ceil(rowsAffected * 0.1));
}

/** The preview with its ceiling set. */
export function withRowLimit(preview: Preview, maxRowsAffected: number | undefined): Preview {
  const rowLimit = rowLimitFor(maxRowsAffected, preview.rowsAffected);
  return rowLimit === undefined ? preview : { ...preview, rowLimit };
}

/** A preview that says only why there is none (the ceiling may still come from the rule). */
export const skippedPreview = (skipped: string): Preview => ({ statements: [], skipped });

/**
 * The ceiling a run is held to: the preview's when there is one; else the rule's `maxRowsAffected`
 * (a session decided before its preview was stored); else none.
 */
export const rowLimitOf = (session: { readonly preview?: Preview; readonly rule?: { readonly maxRowsAffected?: number } }): number | undefined =>
  session.preview?.rowLimit ?? session.rule?.maxRowsAffected;
