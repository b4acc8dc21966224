/**
 * The round trips a requester waits on: submitting reads the resource and the rules side by side; a wait
 * that finds the session settled holds until its view shows the outcome's event too, since that event
 * lands just after the status it records.
 */
import { describe, expect, it } from 'vitest';
import { recordSessionEvent, SYSTEM } from '../../../functions/app/audit-trail';
import { submitSession, waitForSession } from '../../../functions/app/sessions';
import { fakeDeps } from './fakes';
import { alice, orders } from './people';

const command = 'select id from orders limit 1';

describe('round trips on the requester\'s path', () => {
  it('asks for the rules before the resource has been read', async () => {
    // Prepare: the catalog notes when each read starts and ends
    const deps = fakeDeps({ resources: [orders] });
    const seen: string[] = [];
    const catalog = deps.catalog;
    const resource = catalog.resource.bind(catalog);
    const rules = catalog.rules.bind(catalog);
    catalog.resource = async (id) => {
      seen.push('resource asked');
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push('resource read');
      return resource(id);
    };
    catalog.rules = async () => {
      seen.push('rules asked');
      return rules();
    };
    // Act
    await submitSession(deps, alice, { resource: 'orders', command });
    // Assess
    expect(seen.indexOf('rules asked')).toBeGreaterThanOrEqual(0);
    expect(seen.indexOf('rules asked')).toBeLessThan(seen.indexOf('resource read'));
  });

  it('shows a settled session with the event of its outcome, written just after the status', async () => {
    // Prepare: the session reads as done; the runner's session.done event lands only after the first
    // view's events were read, as when the wait reads between the status and its event
    const deps = fakeDeps({ resources: [orders] });
    const { id } = await submitSession(deps, alice, { resource: 'orders', command });
    deps.sessions.items.get(id)!.status = 'done';
    const list = deps.events.list.bind(deps.events);
    let lists = 0;
    deps.events.list = async (stream) => {
      const events = await list(stream);
      lists += 1;
      if (lists === 1) await recordSessionEvent(deps, id, 'session.done', SYSTEM, {});
      return events;
    };
    // Act
    const view = await waitForSession(deps, alice, id, 5);
    // Assess
    expect(view.session.status).toBe('done');
    expect(view.events.map((event) => event.type)).toEqual(['session.requested', 'session.done']);
  });

  it('gives up holding for an outcome event that never comes when the wait runs out', async () => {
    // Prepare: the session reads as done, and its event is never written (the writer died between)
    const deps = fakeDeps({ resources: [orders] });
    const { id } = await submitSession(deps, alice, { resource: 'orders', command });
    deps.sessions.items.get(id)!.status = 'done';
    // Act
    const view = await waitForSession(deps, alice, id, 0.05);
    // Assess
    expect(view.session.status).toBe('done');
    expect(view.events.map((event) => event.type)).toEqual(['session.requested']);
  });
});
