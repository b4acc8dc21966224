/**
 * The local stack keeps its PGlite database in a folder so restarts are fast and data survives;
 * this checks that a seeded folder reopens with its rows, that reseeding leaves it alone, and that the
 * generated demo data is the same on every machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_CUSTOMER_COUNT, DEMO_ORDER_COUNT, generateDemoData, openPGliteBackend, seedDemoSchema } from '../../../../infra/local/data-api/demo-schema';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('demo schema', () => {
  it('generates the same rows every time, with valid references', () => {
    const a = generateDemoData();
    const b = generateDemoData();
    expect(a).toEqual(b);
    expect(a.customers).toHaveLength(DEMO_CUSTOMER_COUNT);
    expect(a.orders).toHaveLength(DEMO_ORDER_COUNT);
    expect(new Set(a.customers.map((c) => c.email)).size).toBe(DEMO_CUSTOMER_COUNT);
    for (const o of a.orders) {
      expect(o.customerId).toBeGreaterThanOrEqual(1);
      expect(o.customerId).toBeLessThanOrEqual(DEMO_CUSTOMER_COUNT);
      expect(o.createdAt).toBeGreaterThanOrEqual(a.customers[o.customerId - 1].createdAt);
    }
  });

  it('persists a seeded PGlite folder across reopen and does not reseed it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'accessgate-dataapi-'));
    dirs.push(dir);
    const first = await openPGliteBackend(join(dir, 'pgdata'));
    await seedDemoSchema(first);
    await first.query("UPDATE customers SET name = 'Changed' WHERE id = 1", []);
    await first.close();

    const reopened = await openPGliteBackend(join(dir, 'pgdata'));
    try {
      await seedDemoSchema(reopened);
      const res = await reopened.query(
        "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM orders), (SELECT name FROM customers WHERE id = 1)",
        [],
      );
      expect(res.rows[0]).toEqual(['1000', '3000', 'Changed']);
    } finally {
      await reopened.close();
    }
    // Two fresh PGlite folders and a seed: tens of seconds on a loaded 2-core machine. How fast a
    // reopen is belongs in `npm run bench`, not in a pass/fail test.
  }, 180_000);
});
