/**
 * What the routes answer, as zod schemas, for the OpenAPI document (functions/api/openapi.ts). They
 * describe the fields a client relies on and allow others (a session carries more than is listed
 * here). Each schema's shape names every field of its domain type and yields that type, checked at
 * compile time (`satisfies`), so the document cannot drift from what the API sends.
 */
import * as z from 'zod';
import type { PlanNode, Preview, StatementPreview } from '../domain/preview';
import { STATEMENT_FLAGS, STATEMENT_KINDS } from '../domain/sql-statements';

const count = z.number().int().min(0);

const planNodeShape = {
  node: z.string(),
  relation: z.string().optional(),
  rows: z.number().optional(),
  get children() {
    return z.array(planNodeSchema).optional();
  },
} satisfies Record<keyof PlanNode, z.ZodType>;
const planNodeSchema: z.ZodType<PlanNode> = z.object(planNodeShape).meta({ id: 'PlanNode', description: "The planner's view, compact: node type, relation, estimated rows; 4 levels and 4 children at most." });

const statementPreviewShape = {
  kind: z.enum(STATEMENT_KINDS),
  tables: z.array(z.string()),
  flags: z.array(z.enum(STATEMENT_FLAGS)),
  rowsAffected: count.optional().describe('Rows the statement changed in the dry run (writes).'),
  estimatedRows: z.number().optional().describe("The planner's estimate of the rows (reads, and writes not dry run)."),
  plan: planNodeSchema.optional(),
} satisfies Record<keyof StatementPreview, z.ZodType>;

const previewShape = {
  statements: z.array(z.object(statementPreviewShape) satisfies z.ZodType<StatementPreview>),
  rowsAffected: count.optional().describe('Rows the whole command changed in the dry run, when every write in it was dry run.'),
  rowLimit: count.optional().describe('The most rows the command may change when it runs; more rolls it back (row_limit_exceeded).'),
  skipped: z.string().optional().describe('Why the dry run (or the whole preview) did not happen.'),
} satisfies Record<keyof Preview, z.ZodType>;

/** The session's `preview` (docs/preview.md). */
export const previewSchema = z
  .object(previewShape)
  .meta({ id: 'Preview', description: 'What the command will do, worked out before review, and the row ceiling its approval carries (docs/preview.md).' }) satisfies z.ZodType<Preview>;

/** A session as the API sends it: the fields listed here, and more. */
const sessionSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  command: z.string().optional(),
  preview: previewSchema.optional(),
});

/** GET /sessions/{id}: the session and its timeline (and the requester's rows once done). */
export const sessionViewSchema = z.looseObject({ session: sessionSchema, events: z.array(z.looseObject({ type: z.string(), at: z.string() })) });

/** GET /reviews: the pending reviews (or, with scope=follow-up, the open follow-ups). */
export const reviewListSchema = z.object({
  reviews: z.array(z.looseObject({ session: sessionSchema, canApprove: z.boolean(), canForce: z.boolean(), approvedByYou: z.boolean() })).optional(),
  followUps: z.array(z.looseObject({})).optional(),
});
