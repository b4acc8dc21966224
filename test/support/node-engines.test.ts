/**
 * package.json's `engines` names the lowest Node the code runs on. `audit verify` hashes every event with
 * node:crypto's one-shot `hash` (functions/domain/audit-chain.ts), which Node added in 20.12: an install
 * on an older Node 20 must be told, not fail at its first `audit verify`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const lowest = (range: string): number[] => (/>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(range) ?? []).slice(1).map((part) => Number(part ?? 0));

describe('engines', () => {
  it('asks for a Node that has crypto.hash (20.12)', () => {
    const { engines } = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    const [major, minor] = lowest(engines.node);
    expect(major > 20 || (major === 20 && minor >= 12), `engines.node is ${engines.node}`).toBe(true);
  });
});
