/**
 * The round trips a requester waits on: submitting reads the resource and the rules side by side and
 * starts the session's chain without reading its head; a wait that finds the session settled builds
 * its view from that read, and holds until the view shows the outcome's event too, since that event
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

  it('starts a new session\'s chain as a new stream, so its first event needs no head read', async () => {
    // Prepare: the log notes what each append was told
    const deps = fakeDeps({ resources: [orders] });
    const told: { type: string; newStream?: boolean }[] = [];
    const append = deps.events.append.bind(deps.events);
    deps.events.append = async (stream, event, options) => {
      told.push({ type: event.type, ...(options?.newStream !== undefined ? { newStream: options.newStream } : {}) });
      return append(stream, event, options);
    };
    // Act
    await submitSession(deps, alice, { resource: 'orders', command });
    // Assess
    expect(told[0]).toEqual({ type: 'session.requested', newStream: true });
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

  it('builds the view of a settled session from the read that found it settled, without reading it again', async () => {
    // Prepare: the session is done and its event recorded; count the reads of the session
    const deps = fakeDeps({ resources: [orders] });
    const { id } = await submitSession(deps, alice, { resource: 'orders', command });
    deps.sessions.items.get(id)!.status = 'done';
    await recordSessionEvent(deps, id, 'session.done', SYSTEM, {});
    const get = deps.sessions.get.bind(deps.sessions);
    let reads = 0;
    deps.sessions.get = async (sessionId) => {
      reads += 1;
      return get(sessionId);
    };
    // Act
    const view = await waitForSession(deps, alice, id, 5);
    // Assess
    expect(view.events.map((event) => event.type)).toEqual(['session.requested', 'session.done']);
    expect(reads).toBe(1);
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
