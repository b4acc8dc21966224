/** The cost model's arithmetic (infra/cost-model.ts): what each counted unit is priced at, and how usages add up. */
import { describe, expect, it } from 'vitest';
import { addUsage, costOf, scaleUsage } from '../../infra/cost-model';
import { emptyUsage } from '../../infra/local/usage-meter';
import { PRICES } from '../../infra/prices';

describe('cost model', () => {
  it('prices WebSocket messages and connection-minutes as API cost', () => {
    const cost = costOf({ ...emptyUsage(), apiRequests: 2, socketMessages: 3, connectionMinutes: 60 });
    expect(cost.api).toBeCloseTo(2 * PRICES.httpApiPerRequest + 3 * PRICES.webSocketPerMessage + 60 * PRICES.webSocketPerConnectionMinute, 12);
    expect(cost.total).toBeCloseTo(cost.api, 12);
  });

  it('adds and scales the WebSocket counts with the rest', () => {
    const ping = { ...emptyUsage(), invocations: { ping: 1 }, socketMessages: 2 };
    const hour = addUsage(scaleUsage(ping, 6), { ...emptyUsage(), connectionMinutes: 60 });
    expect(hour).toMatchObject({ invocations: { ping: 6 }, socketMessages: 12, connectionMinutes: 60 });
    expect(costOf(hour).api).toBeCloseTo(12 * PRICES.webSocketPerMessage + 60 * PRICES.webSocketPerConnectionMinute, 12);
  });
});
