/**
 * The cost model from counts: runs each path on the local runtime with a usage meter, holds the counts
 * that the workflow's shape decides, and holds docs/architecture.md's "Cost and speed" section to what
 * was measured (regenerate it with `npx tsx test/bench/cost-doc.ts`).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeUnits } from '../../infra/local/usage-meter';
import { type IndexDefinition, sessionsTable, type TableDefinition } from '../../infra/tables';
import { ARCHITECTURE_DOC, COST_PATHS, costSection, docFigures, readDocFigures } from './cost-doc';
import { type CostFigures, measureCosts } from './cost-scenarios';

describe('write units as DynamoDB bills them', () => {
  const s = (value: string) => ({ S: value });
  const base = { pk: s('SESSION#1'), sk: s('META') };

  it('bills a new item once for the table and once per index it lands in', () => {
    expect(writeUnits(sessionsTable, undefined, { ...base })).toBe(1);
    expect(writeUnits(sessionsTable, undefined, { ...base, requesterKey: s('a'), createdKey: s('t'), monthKey: s('m') })).toBe(3);
  });

  it('bills an index twice when its key changes, and once when the item leaves it', () => {
    const before = { ...base, pendingGroupKey: s('g1'), createdKey: s('t') };
    expect(writeUnits(sessionsTable, before, { ...base, pendingGroupKey: s('g2'), createdKey: s('t') })).toBe(3);
    expect(writeUnits(sessionsTable, before, { ...base, createdKey: s('t') })).toBe(2);
  });

  it('bills a session index nothing for a rewrite that changes neither its keys nor what it projects', () => {
    const meta = { ...base, requesterKey: s('REQUESTER#a'), monthKey: s('MONTH#2026-12'), createdKey: s('t'), status: s('pending_review') };
    // The session indexes project keys only (infra/tables.ts): a status change costs the table alone.
    expect(writeUnits(sessionsTable, meta, { ...meta, status: s('approved') })).toBe(1);
    // An index that projected every attribute would be billed again for it.
    const projectingAll: TableDefinition = { ...sessionsTable, indexes: sessionsTable.indexes.map((index): IndexDefinition => ({ ...index, projection: undefined })) };
    expect(writeUnits(projectingAll, meta, { ...meta, status: s('approved') })).toBe(3);
  });

  it('bills per started kilobyte, the larger of the two images', () => {
    expect(writeUnits(sessionsTable, { ...base, blob: s('x'.repeat(2_000)) }, { ...base })).toBe(2);
  });
});

describe('cost per command, counted on the local runtime', () => {
  let figures: CostFigures;
  beforeAll(async () => {
    figures = await measureCosts();
  }, 300_000);

  it('takes the state transitions each path needs', () => {
    // AwaitReview, Execute: a command waiting for its review starts its own machine at the wait
    // (statemachines/command-review.asl.json), and Execute takes the decision and records the outcome
    // itself (was 3 with the session machine's Route choice; 5 with a Reviewed choice and a Record state;
    // 6 with Evaluate).
    expect(figures.reviewed.transitions).toBe(2);
    expect(figures.reviewed.invocations).not.toHaveProperty('Record');
    // None: a command no rule covers runs by an asynchronous invocation of the run function, not in the
    // workflow (was 3: Route, Execute, Record).
    expect(figures.ruleFree.transitions).toBe(0);
    expect(figures.ruleFree.invocations).toMatchObject({ Run: 1 });
    expect(Object.keys(figures.ruleFree.invocations)).not.toContain('Execute');
  });

  it('holds no request open while the CLI or web UI waits on the WebSocket API', () => {
    expect(Object.values(figures.reviewedHour.heldMs ?? {}).reduce((sum, ms) => sum + ms, 0)).toBe(0);
    expect(figures.reviewedHour.connectionMinutes).toBe(60);
    // The CLI reads the session after subscribing and after each pushed change; it never long-polls.
    expect(figures.reviewedHour.invocations['GET /sessions/{id}']).toBeLessThan(10);
    expect(figures.reviewedHour.invocations).toMatchObject({ $connect: 1, subscribe: 1, ping: 6 });
    expect(figures.longPollHour.heldMs).toEqual({ 'GET /sessions/{id}': 3_600_000 });
  });

  it('matches the cost section of docs/architecture.md', () => {
    const found = readDocFigures(readFileSync(ARCHITECTURE_DOC, 'utf8'));
    expect(found, 'docs/architecture.md has no generated cost section: run npx tsx test/bench/cost-doc.ts').toBeDefined();
    // The table is what the figures it carries give.
    expect(found!.section).toBe(costSection(found!.figures));
    const measured = docFigures(figures);
    for (const path of COST_PATHS) {
      const doc = found!.figures.paths[path];
      const now = measured.paths[path];
      // The workflow's shape and the client's requests decide these exactly.
      expect({ path, transitions: now.transitions, apiRequests: now.apiRequests }).toEqual({ path, transitions: doc.transitions, apiRequests: doc.apiRequests });
      // The audit exporter's invocations follow how the local event stream batches, and with them what
      // it writes: close, not exact.
      expect(Math.abs(now.invocations - doc.invocations), `${path}: ${now.invocations} invocations measured, ${doc.invocations} documented`).toBeLessThanOrEqual(Math.ceil(doc.invocations * 0.35));
      expect(Math.abs(now.writeUnits - doc.writeUnits), `${path}: ${now.writeUnits} write units measured, ${doc.writeUnits} documented`).toBeLessThanOrEqual(Math.ceil(doc.writeUnits * 0.2));
      // Reads and log bytes of a long-poll depend on the machine's load: within a quarter.
      expect(Math.abs(now.per1kUsd - doc.per1kUsd) / doc.per1kUsd, `${path}: $${now.per1kUsd} measured, $${doc.per1kUsd} documented`).toBeLessThan(0.25);
    }
  });
});
