import { describe, expect, it } from 'vitest';
import { CONFIG_STREAM } from '../../../functions/app/audit-trail';
import { applyConfig, createRule, deleteRule, listRules, replaceRule, visibleResources } from '../../../functions/app/catalog';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../../../functions/domain/errors';
import { fakeDeps } from './fakes';
import { alice, bob, dana, erin, orders, reviewedRule } from './people';

const body = { name: 'two-eyes', resources: ['orders'], approvalGroups: ['dba-approvers'], approvalsRequired: 2 };

describe('rules', () => {
  it('lets an admin create, replace and delete a rule, each a CONFIG event with before and after', async () => {
    const deps = fakeDeps({ resources: [orders] });

    const created = await createRule(deps, dana, body);
    await replaceRule(deps, dana, 'two-eyes', { ...body, approvalsRequired: 3 });
    await deleteRule(deps, dana, 'two-eyes');

    const events = await deps.events.list(CONFIG_STREAM);
    expect(events.map((event) => [event.type, event.details.before && (event.details.before as { approvalsRequired: number }).approvalsRequired, event.details.after && (event.details.after as { approvalsRequired: number }).approvalsRequired])).toEqual([
      ['rule.created', null, 2],
      ['rule.updated', 2, 3],
      ['rule.deleted', 3, null],
    ]);
    expect(created.reviewTimeoutSeconds).toBe(3600);
    expect(deps.catalog.ruleItems.size).toBe(0);
  });

  it('refuses writers who are not admins, unknown resources, a taken name and a missing rule, writing nothing', async () => {
    const deps = fakeDeps({ resources: [orders], rules: [reviewedRule()] });
    await expect(createRule(deps, erin, body)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createRule(deps, dana, { ...body, resources: ['billing'] })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(createRule(deps, dana, { ...body, name: 'dba-by-command' })).rejects.toBeInstanceOf(ConflictError);
    await expect(replaceRule(deps, dana, 'nothing', { ...body, name: 'nothing' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(replaceRule(deps, dana, 'other', body)).rejects.toBeInstanceOf(InvalidInputError);
    expect(await deps.events.list(CONFIG_STREAM)).toEqual([]);
    expect([...deps.catalog.ruleItems.keys()]).toEqual(['dba-by-command']);
  });

  it('are read by admins and auditors only', async () => {
    const deps = fakeDeps({ resources: [orders], rules: [reviewedRule()] });
    expect(await listRules(deps, erin)).toHaveLength(1);
    await expect(listRules(deps, alice)).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('visibleResources', () => {
  it('shows a person the resources open to them with the rule that would govern their command', async () => {
    const deps = fakeDeps({ resources: [orders], rules: [reviewedRule()] });
    expect(await visibleResources(deps, alice)).toEqual([expect.objectContaining({ id: 'orders', rule: expect.objectContaining({ name: 'dba-by-command', approvalsRequired: 1 }) })]);
    expect(await visibleResources(deps, bob)).toEqual([]);
  });
});

describe('applyConfig', () => {
  it('records what it creates once, leaves unchanged resources silent and keeps rules edited since', async () => {
    const deps = fakeDeps();
    const config = { resources: [orders], rules: [reviewedRule()] };

    await applyConfig(deps, config, { system: 'cdk deploy' });
    await replaceRule(deps, dana, 'dba-by-command', { ...reviewedRule(), approvalsRequired: 2 });
    await applyConfig(deps, config, { system: 'cdk deploy' });
    await applyConfig(deps, { ...config, resources: [{ ...orders, name: 'Orders' }] }, { system: 'cdk deploy' });

    expect(deps.events.types(CONFIG_STREAM)).toEqual(['resource.created', 'rule.created', 'rule.updated', 'resource.updated']);
    expect((await deps.catalog.rule('dba-by-command'))?.approvalsRequired).toBe(2);
  });
});
