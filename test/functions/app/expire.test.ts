import { describe, expect, it } from 'vitest';
import { sessionStream } from '../../../functions/app/audit-trail';
import { reviewSession } from '../../../functions/app/reviews';
import { submitSession } from '../../../functions/app/sessions';
import { expire } from '../../../functions/app/workflow-tasks';
import { fakeDeps } from './fakes';
import { alice, bob, orders, reviewedRule } from './people';

describe('expire', () => {
  it('ends a review short of its approvals as expired, once, and counts it', async () => {
    const deps = fakeDeps({ resources: [orders], rules: [reviewedRule()] });
    const { id } = await submitSession(deps, alice, { resource: 'orders', command: 'select 1' });
    deps.clock.advance(3_600_000);

    expect(await expire(deps, id)).toEqual({ next: 'record' });
    expect(await expire(deps, id)).toEqual({ next: 'record' });

    expect((await deps.sessions.get(id))?.status).toBe('expired');
    expect(deps.events.types(sessionStream(id))).toEqual(['session.requested', 'session.expired']);
    expect(deps.metrics.counts).toEqual(['SessionsRequested', 'SessionsExpired']);
  });

  it('runs a session approved in time instead', async () => {
    const deps = fakeDeps({ resources: [orders], rules: [reviewedRule()] });
    const { id } = await submitSession(deps, alice, { resource: 'orders', command: 'select 1' });
    await reviewSession(deps, bob, id, { decision: 'approve', via: 'web' });

    expect(await expire(deps, id)).toEqual({ next: 'execute' });
    expect(deps.metrics.counts).not.toContain('SessionsExpired');
  });
});
