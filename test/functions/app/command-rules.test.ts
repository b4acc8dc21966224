/**
 * Submission under rules that decide by what a command is: guardrails refuse before any session
 * exists (and the refusal is on the security stream), autoApprove runs only what the parser proves
 * read-only. In-memory fakes, the real parsers.
 */
import { describe, expect, it } from 'vitest';
import { sessionStream } from '../../../functions/app/audit-trail';
import { submitSession } from '../../../functions/app/sessions';
import { undocumentedFields } from '../../../functions/domain/evidence-schema';
import { GuardrailRefusedError } from '../../../functions/domain/guardrails';
import { SelfCommittingScriptError } from '../../../functions/domain/implicit-commit';
import type { Resource } from '../../../functions/domain/resource';
import { fakeDeps } from './fakes';
import { alice, orders, reviewedRule } from './people';

const guarded = reviewedRule({ guardrails: { deny: ['delete-without-where', 'drop', 'multi-statement'] } });
const readsRunAlone = reviewedRule({ autoApprove: 'read-only' });

describe('guardrails at submission', () => {
  it('refuses a matching command with 403 naming the guardrail, records the refusal, and creates nothing', async () => {
    const deps = fakeDeps({ resources: [orders], rules: [guarded] });

    const refusal = await submitSession(deps, alice, { resource: 'orders', command: '/* tidy */ DrOp TABLE orders', reason: 'cleanup' }).catch((err: unknown) => err);

    expect(refusal).toBeInstanceOf(GuardrailRefusedError);
    expect(refusal).toMatchObject({ status: 403, code: 'guardrail', body: { guardrail: 'drop' } });
    expect(deps.sessions.items.size).toBe(0);
    expect(deps.workflow.started).toEqual([]);
    const [event] = deps.events.all();
    expect(event).toMatchObject({
      type: 'security.guardrail_refused',
      actor: { email: alice.email },
      details: { resource: 'orders', rule: 'dba-by-command', guardrail: 'drop', command: '/* tidy */ DrOp TABLE orders', reason: 'cleanup', statements: [{ kind: 'ddl', tables: [], flags: ['drop'] }] },
    });
    expect(event.stream).toMatch(/^SECURITY#/);
    expect(undocumentedFields(event)).toEqual([]);
  });

  it('reads the Data API placeholders as bound values, so a parameterised command is judged, not refused as unreadable', async () => {
    const deps = fakeDeps({ resources: [orders], rules: [guarded] });
    const parameters = [{ name: 'id', value: { longValue: 7 } }];
    const session = await submitSession(deps, alice, { resource: 'orders', command: 'delete from orders where id = :id', parameters });
    expect(session.status).toBe('pending_review');
    await expect(submitSession(deps, alice, { resource: 'orders', command: 'delete from orders; select :id', parameters })).rejects.toMatchObject({ body: { guardrail: 'delete-without-where' } });
  });

  it('judges MySQL text with the MySQL parser', async () => {
    const shop: Resource = { ...orders, id: 'shop', type: 'mysql' };
    const deps = fakeDeps({ resources: [shop], rules: [{ ...guarded, resources: ['shop'] }] });
    await expect(submitSession(deps, alice, { resource: 'shop', command: 'DELETE FROM orders -- all of it' })).rejects.toMatchObject({ body: { guardrail: 'delete-without-where' } });
    expect((await submitSession(deps, alice, { resource: 'shop', command: 'delete from orders where id = :id', parameters: [{ name: 'id', value: { longValue: 1 } }] })).status).toBe('pending_review');
  });
});

describe('a MySQL script MySQL would commit part of on its own', () => {
  const shop: Resource = { ...orders, id: 'shop', type: 'mysql' };

  it.each([
    ['under a rule', [{ ...reviewedRule(), resources: ['shop'] }]],
    ['under no rule', []],
  ])('is refused with 400 mysql_ddl_in_script %s, and nothing is stored, recorded or started', async (_, rules) => {
    const deps = fakeDeps({ resources: [shop], rules });

    const refusal = await submitSession(deps, alice, { resource: 'shop', command: 'insert into orders (id) values (1); create table orders_copy (id int)' }).catch((err: unknown) => err);

    expect(refusal).toBeInstanceOf(SelfCommittingScriptError);
    expect(refusal).toMatchObject({ status: 400, code: 'mysql_ddl_in_script' });
    expect(deps.sessions.items.size).toBe(0);
    expect(deps.events.all()).toEqual([]);
    expect(deps.workflow.started).toEqual([]);
    expect(deps.runs.started).toEqual([]);
  });

  it('a guardrail the script matches is refused (and recorded) first', async () => {
    const deps = fakeDeps({ resources: [shop], rules: [{ ...guarded, resources: ['shop'] }] });
    await expect(submitSession(deps, alice, { resource: 'shop', command: 'select 1; drop table orders' })).rejects.toMatchObject({ code: 'guardrail', body: { guardrail: 'drop' } });
    expect(deps.events.all().map((e) => e.type)).toEqual(['security.guardrail_refused']);
  });

  it('leaves a lone MySQL DDL statement and a PostgreSQL script holding DDL to their rule', async () => {
    const deps = fakeDeps({ resources: [shop, orders], rules: [{ ...reviewedRule(), resources: ['shop', 'orders'] }] });
    expect((await submitSession(deps, alice, { resource: 'shop', command: 'create table orders_copy (id int)' })).status).toBe('pending_review');
    expect((await submitSession(deps, alice, { resource: 'orders', command: 'insert into orders (id) values (1); create table orders_copy (id int)' })).status).toBe('pending_review');
  });
});

describe('autoApprove read-only at submission', () => {
  it('runs a proven read without review, recorded as auto-approved with its classification', async () => {
    const deps = fakeDeps({ resources: [orders], rules: [readsRunAlone] });

    const session = await submitSession(deps, alice, { resource: 'orders', command: 'select count(*) from orders' });

    expect(session).toMatchObject({ status: 'approved', approvalsRequired: 0, rule: { name: 'dba-by-command' } });
    expect(session.expiresAt).toBeUndefined();
    expect(deps.events.types(sessionStream(session.id))).toEqual(['session.requested', 'session.auto_approved']);
    const approved = deps.events.all().find((e) => e.type === 'session.auto_approved')!;
    expect(approved.details).toEqual({ autoApprove: 'read-only', rule: 'dba-by-command', statements: [{ kind: 'read', tables: ['orders'], flags: [] }] });
    expect(undocumentedFields(approved)).toEqual([]);
    expect(deps.runs.started).toEqual([session.id]);
  });

  it('still sends for review what the parser cannot prove read-only', async () => {
    const deps = fakeDeps({ resources: [orders], rules: [readsRunAlone] });
    for (const command of [
      'with gone as (delete from orders where id = 1 returning id) select count(*) from gone',
      "select set_config('app.user', 'x', false)",
      'select 1; delete from orders where id = 1',
      'select * from orders for update',
      'selec 1',
    ]) {
      const session = await submitSession(deps, alice, { resource: 'orders', command });
      expect(session.status, command).toBe('pending_review');
      expect(session.approvalsRequired).toBe(1);
    }
    expect(deps.events.all().filter((e) => e.type === 'session.auto_approved')).toEqual([]);
  });
});
