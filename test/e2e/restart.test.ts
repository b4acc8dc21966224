/**
 * `npm start` twice over the same data folder: a review pending before the restart is still pending
 * and approvable after it, and the approved command runs. Runs the real entry point in a child process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localProcess } from '../support/local-process';

const dataDir = mkdtempSync(join(tmpdir(), 'accessgate-restart-'));
const product = localProcess({ ACCESSGATE_DATA_DIR: dataDir });

afterAll(async () => {
  await product.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('restarting the local runtime', () => {
  it('keeps a pending review pending and approvable, then runs the command', async () => {
    await product.start();
    const alice = await product.token('alice@example.com');
    const submitted = await product.call('POST', '/sessions?wait=5', alice, { resource: 'postgres-demo', command: 'select count(*) as n from customers' });
    expect(submitted.body.session.status).toBe('pending_review');
    const id = submitted.body.session.id as string;
    await product.stop();

    await product.start();
    // Tokens are signed with a key kept in the data folder, so alice's token still works.
    const pending = await product.call('GET', `/sessions/${id}`, alice);
    expect(pending.body.session.status).toBe('pending_review');
    const bob = await product.token('bob@example.com');
    expect((await product.call('GET', '/reviews', bob)).body.reviews.map((r: { session: { id: string } }) => r.session.id)).toContain(id);
    expect((await product.call('POST', `/sessions/${id}/review`, bob, { decision: 'approve' })).status).toBe(200);
    const done = await product.call('GET', `/sessions/${id}?wait=20`, alice);
    expect(done.body.session.status).toBe('done');
    expect(done.body.result.rows).toEqual([[1000]]);
  }, 360_000);
});
