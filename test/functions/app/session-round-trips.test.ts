/**
 * The round trips a requester waits on: submitting reads the resource and the rules side by side, and a
 * wait that finds the session settled shows the session it read rather than reading it again.
 */
import { describe, expect, it } from 'vitest';
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

  it('reads a session that is already settled once, and shows that reading', async () => {
    // Prepare
    const deps = fakeDeps({ resources: [orders] });
    const { id } = await submitSession(deps, alice, { resource: 'orders', command });
    deps.sessions.items.get(id)!.status = 'done';
    await deps.results.put(id, { columns: [{ name: 'id', type: 'int4' }], rows: [[1]], rowCount: 1, truncated: false });
    const get = deps.sessions.get.bind(deps.sessions);
    let reads = 0;
    deps.sessions.get = async (sessionId) => {
      reads += 1;
      return get(sessionId);
    };
    // Act
    const view = await waitForSession(deps, alice, id, 5);
    // Assess
    expect(reads).toBe(1);
    expect(view.session).toMatchObject({ id, status: 'done' });
    expect(view.result?.rows).toEqual([[1]]);
    expect(view.events.map((event) => event.type)).toEqual(['session.requested']);
  });
});
