/** Changing a rule for the length of one end-to-end case. */
import { expect } from 'vitest';
import type { ApiClient } from './client';

/** Runs `body` with rule `name` changed by `change` (saved by `admin`), and puts the rule back afterwards. */
export async function withRuleChanged<T>(
  admin: ApiClient,
  name: string,
  change: (rule: Record<string, unknown>) => Record<string, unknown>,
  body: () => Promise<T>,
): Promise<T> {
  const rule = (await admin.get(`/rules/${name}`)).body.rule;
  const changed = await admin.put(`/rules/${name}`, change(rule));
  expect(changed.status, JSON.stringify(changed.body)).toBe(200);
  try {
    return await body();
  } finally {
    await admin.put(`/rules/${name}`, rule);
  }
}
