/**
 * The round trips a requester waits on: submitting reads the resource and the rules side by side; a wait
 * that finds the session settled still reads it again for the view, since the outcome's event lands just
 * after the status it records.
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
    // Prepare: the session reads as done; the runner's session.done event lands before the next read
    const deps = fakeDeps({ resources: [orders] });
    const { id } = await submitSession(deps, alice, { resource: 'orders', command });
    deps.sessions.items.get(id)!.status = 'done';
    const get = deps.sessions.get.bind(deps.sessions);
    let reads = 0;
    deps.sessions.get = async (sessionId) => {
      reads += 1;
      if (reads === 2) await recordSessionEvent(deps, id, 'session.done', SYSTEM, {});
      return get(sessionId);
    };
    // Act
    const view = await waitForSession(deps, alice, id, 5);
    // Assess
    expect(view.session.status).toBe('done');
    expect(view.events.map((event) => event.type)).toEqual(['session.requested', 'session.done']);
  });
});
