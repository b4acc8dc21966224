/**
 * What the routes answer, as zod schemas, for the OpenAPI document (functions/api/openapi.ts). They
 * describe the fields a client relies on and allow others (a session carries more than is listed
 * here). Each schema's shape names every field of its domain type and yields that type, checked at
 * compile time (`satisfies`), so the document cannot drift from what the API sends.
 */
import * as z from '../domain/zod';
import type { PlanNode, Preview, StatementPreview } from '../domain/preview';
import { STATEMENT_FLAGS, STATEMENT_KINDS } from '../domain/sql-statements';

const count = z.int().check(z.gte(0));

const planNodeShape = {
  node: z.string(),
  relation: z.optional(z.string()),
  rows: z.optional(z.number()),
  get children() {
    return z.optional(z.array(planNodeSchema));
  },
} satisfies Record<keyof PlanNode, z.ZodMiniType>;
const planNodeSchema: z.ZodMiniType<PlanNode> = z.object(planNodeShape).register(z.globalRegistry, { id: 'PlanNode', description: "The planner's view, compact: node type, relation, estimated rows; 4 levels and 4 children at most." });

const statementPreviewShape = {
  kind: z.enum(STATEMENT_KINDS),
  tables: z.array(z.string()),
  flags: z.array(z.enum(STATEMENT_FLAGS)),
  rowsAffected: z.optional(count).register(z.globalRegistry, { description: 'Rows the statement changed in the dry run (writes).' }),
  estimatedRows: z.optional(z.number()).register(z.globalRegistry, { description: "The planner's estimate of the rows (reads, and writes not dry run)." }),
  plan: z.optional(planNodeSchema),
} satisfies Record<keyof StatementPreview, z.ZodMiniType>;

const previewShape = {
  statements: z.array(z.object(statementPreviewShape) satisfies z.ZodMiniType<StatementPreview>),
  rowsAffected: z.optional(count).register(z.globalRegistry, { description: 'Rows the whole command changed in the dry run, when every write in it was dry run.' }),
  rowLimit: z.optional(count).register(z.globalRegistry, { description: 'The most rows the command may change when it runs; more rolls it back (row_limit_exceeded).' }),
  skipped: z.optional(z.string()).register(z.globalRegistry, { description: 'Why the dry run (or the whole preview) did not happen.' }),
} satisfies Record<keyof Preview, z.ZodMiniType>;

/** The session's `preview` (docs/preview.md). */
export const previewSchema = z.object(previewShape).register(z.globalRegistry, { id: 'Preview', description: 'What the command will do, worked out before review, and the row ceiling its approval carries (docs/preview.md).' }) satisfies z.ZodMiniType<Preview>;

/** A session as the API sends it: the fields listed here, and more. */
const sessionSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  command: z.optional(z.string()),
  preview: z.optional(previewSchema),
});

/** GET /sessions/{id}: the session and its timeline (and the requester's rows once done). */
export const sessionViewSchema = z.looseObject({ session: sessionSchema, events: z.array(z.looseObject({ type: z.string(), at: z.string() })) });

/** GET /reviews: the pending reviews (or, with scope=follow-up, the open follow-ups). */
export const reviewListSchema = z.object({
  reviews: z.optional(z.array(z.looseObject({ session: sessionSchema, canApprove: z.boolean(), canForce: z.boolean(), approvedByYou: z.boolean() }))),
  followUps: z.optional(z.array(z.looseObject({}))),
});
