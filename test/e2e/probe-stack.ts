/**
 * An end-to-end test file's local stack (started before its tests, stopped after), its people signed
 * in, and a probe table in the demo PostgreSQL database: each governed command of the test inserts a
 * tagged row, so what ran is counted in the database itself, not in accessgate's record.
 */
import { afterAll, beforeAll } from 'vitest';
import { localClusterArn } from '../../infra/local/demo-config';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../infra/local/stack';
import { ApiClient } from './client';

export interface ProbeStack {
  /** The running stack; reading it before the file's beforeAll ran throws. */
  readonly stack: LocalStack;
  /** Each person's API client, by first name (`as.alice`). */
  readonly as: Record<string, ApiClient>;
  /** Rows the governed commands inserted with `tag`. */
  readonly rowsTagged: (tag: string) => Promise<number>;
}

export function probeStack(probe: string, people: readonly string[], options: Omit<LocalStackOptions, 'port' | 'web'> = {}): ProbeStack {
  let running: LocalStack | undefined;
  const as: Record<string, ApiClient> = {};
  const stack = (): LocalStack => {
    if (!running) throw new Error('The local stack starts in beforeAll');
    return running;
  };
  const database = () => stack().backends.get(localClusterArn('postgres-demo'))!;

  beforeAll(async () => {
    running = await startLocalStack({ port: 0, web: false, ...options });
    for (const name of people) as[name] = await ApiClient.as(running, `${name}@example.com`);
    await database().query(`create table ${probe} (tag text)`, []);
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
  });

  return {
    get stack() {
      return stack();
    },
    as,
    rowsTagged: async (tag) => Number((await database().query(`select count(*) from ${probe} where tag = $1`, [tag])).rows[0][0]),
  };
}
