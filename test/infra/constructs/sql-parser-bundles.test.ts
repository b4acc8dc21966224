/**
 * The functions that read SQL carry the SQL parsers (bundled, with libpg-query's WebAssembly beside
 * them); every other function leaves them out of its bundle. Every handler imports the parsers' adapter
 * through the composition root, so the bundle alone cannot tell who calls it: the use cases can. A
 * submission classifies the command (guardrails, autoApprove), a preview reads it before the review,
 * and Execute cuts a script into its statements. Without the parsers, those die at their first
 * command on Lambda (Execute once did); with them, any other function pays their size at cold start.
 */
import { describe, expect, it } from 'vitest';
import { AccessgateFunction } from '../../../infra/constructs/accessgate-function';
import { synth } from '../synth';

const { stack } = synth();
const functions = stack.node.findAll().filter((c): c is AccessgateFunction => c instanceof AccessgateFunction);

const READ_SQL = {
  'functions/api/sessions.ts': 'submission: guardrails and autoApprove classify the command',
  'functions/workflow/await-review.ts': 'the preview before the review request',
  'functions/workflow/evaluate.ts': 'the preview, when a re-driven workflow routes the session again',
  'functions/workflow/execute.ts': 'a script runs as one call per statement',
} as const;

describe('the SQL parsers in Lambda bundles', () => {
  it.each(Object.entries(READ_SQL))('%s carries them (%s)', (handlerModule) => {
    const carriers = functions.filter((fn) => fn.handlerModule === handlerModule);
    expect(carriers.length, handlerModule).toBeGreaterThan(0);
    for (const fn of carriers) expect(fn.readsSql, fn.node.path).toBe(true);
  });

  it('no other function carries them', () => {
    const others = functions.filter((fn) => !(fn.handlerModule in READ_SQL));
    expect(others.length).toBeGreaterThan(10);
    expect(others.filter((fn) => fn.readsSql).map((fn) => fn.node.path)).toEqual([]);
  });
});
