/**
 * One statement must never hang a resource: on the embedded PGlite backend a statement whose answer
 * never comes fails with StatementTimeoutException once the call's timeout passes, and the next command
 * runs. Two faults: the real one from the hostile-input sweep (a 15 KB nested expression that PGlite
 * answered with nothing, leaving every later command waiting), and an answer lost on purpose (the
 * PGlite instance is wrapped so that statements carrying a marker are never answered). Effects are
 * counted in the database itself. The timeout is injected short; nothing here depends on how fast the
 * machine is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import type { RDSDataClient } from '@aws-sdk/client-rds-data';
import { startDataApiServer, type DataApiServer } from '../../../../infra/local/data-api/server';
import { PGliteBackend } from '../../../../infra/local/data-api/backends';
import { callsOn, dataApiClient, failure, localCluster } from './calls';

const { cluster: CLUSTER, secret: SECRET } = localCluster('watchdog');
const LOST = '/* answer lost */';

let pglite: PGlite;
let backend: PGliteBackend;
let server: DataApiServer;
let client: RDSDataClient;

/** The real PGlite, except that protocol messages carrying LOST are never answered. */
function losingAnswers(db: PGlite): PGlite {
  return new Proxy(db, {
    get(target, key) {
      if (key === 'execProtocolStream') {
        return (message: Uint8Array, options: Parameters<PGlite['execProtocolStream']>[1]) =>
          Buffer.from(message).includes(LOST) ? new Promise(() => undefined) : target.execProtocolStream(message, options);
      }
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const { begin, commit, rollback, ...calls } = callsOn(() => client, CLUSTER, SECRET);
const exec = (sql: string, transactionId?: string) => calls.exec(sql, { transactionId });
const rows = async (sql: string) => (await exec(sql)).records?.map((r) => r.map((f) => Object.values(f)[0]));

beforeAll(async () => {
  pglite = await PGlite.create();
  backend = new PGliteBackend(losingAnswers(pglite));
  server = await startDataApiServer({ backends: new Map([[CLUSTER, backend]]), statementTimeoutMs: 2000 });
  client = dataApiClient(server.url, 1);
  await exec('CREATE TABLE marks (n int)');
});

afterAll(async () => {
  client?.destroy();
  await server?.close();
  await backend?.close();
  await pglite?.close();
});

describe('a statement that never answers', () => {
  it('the 15 KB expression from the sweep fails, and the next command runs', async () => {
    const expression = `select ${Array.from({ length: 3000 }, (_, i) => i).join('+')}`;
    expect(expression.length).toBeGreaterThan(13_000);
    const err = await failure(exec(expression));
    expect(['DatabaseErrorException', 'StatementTimeoutException']).toContain(err.name);
    expect(await rows('select 1')).toEqual([[1]]);
  });

  it('times out, and the next command runs on a fresh session', async () => {
    const err = await failure(exec(`insert into marks values (1) ${LOST}`));
    expect(err.name).toBe('StatementTimeoutException');
    await exec('insert into marks values (2)');
    expect(await rows('select n from marks order by n')).toEqual([[2]]);
  });

  it('rolls back the transaction it was in, refuses its later statements and its commit', async () => {
    const transactionId = await begin();
    await exec('insert into marks values (3)', transactionId);
    const stuck = await failure(exec(`insert into marks values (4) ${LOST}`, transactionId));
    expect(stuck.name).toBe('StatementTimeoutException');

    // The session is free at once: a call outside the transaction does not wait for its commit.
    expect(await rows('select count(*) from marks where n >= 3')).toEqual([[0]]);
    const later = await failure(exec('insert into marks values (5)', transactionId));
    expect(later.message).toContain('rolled back');
    const refusedCommit = await failure(commit(transactionId));
    expect(refusedCommit.name).toBe('DatabaseErrorException');
    expect(refusedCommit.message).toContain('rolled back');

    expect(await rows('select n from marks order by n')).toEqual([[2]]);
  });

  it('leaves later transactions whole', async () => {
    const transactionId = await begin();
    await exec('insert into marks values (6)', transactionId);
    expect((await exec('select count(*) from marks', transactionId)).records).toEqual([[{ longValue: 2 }]]);
    await commit(transactionId);
    const undone = await begin();
    await exec('insert into marks values (7)', undone);
    await rollback(undone);
    expect(await rows('select n from marks order by n')).toEqual([[2], [6]]);
  });
});
