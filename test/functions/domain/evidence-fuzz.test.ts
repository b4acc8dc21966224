/**
 * Random mutations of a sealed folder, none of which may verify: 300 on every `npm test` (1,000 in
 * `npm run bench`). The seed is printed; EVIDENCE_FUZZ_SEED=<seed> replays the same run. The folder is
 * built and sealed once; each mutation works on a copy, verified with the key pinned (even runs) or
 * taken from the folder (odd runs), always with the pull record the folder was pulled with.
 */
import { expect, it } from 'vitest';
import { verifyEvidence } from '../../../functions/domain/evidence-verify';
import { buildEvidence, mapSource, rsaKey } from '../../fixtures/evidence';
import { fuzzEvidence, fuzzSeed, MUTATION_KINDS } from '../../fixtures/evidence-mutations';

const RUNS = 300;

it(`no one of ${RUNS} random mutations of a sealed folder verifies`, () => {
  // Prepare
  const key = rsaKey();
  const built = buildEvidence({ key, sessions: 6, periods: 4, tableExport: true });
  const seed = fuzzSeed(process.env.EVIDENCE_FUZZ_SEED);
  console.log(`evidence fuzz: seed ${seed} (replay with EVIDENCE_FUZZ_SEED=${seed})`);
  expect(verifyEvidence(mapSource(built.files), { trustedKeys: [key.publicPem], pullRecord: built.pullRecord }).problems).toEqual([]);

  // Act
  const outcome = fuzzEvidence(built, seed, RUNS, (files, run) =>
    verifyEvidence(mapSource(files), { trustedKeys: run % 2 === 0 ? [key.publicPem] : [], pullRecord: built.pullRecord }).ok,
  );

  // Assess
  expect(outcome.missed, `seed ${seed}`).toEqual([]);
  for (const kind of MUTATION_KINDS) expect(outcome.byKind[kind], `${kind} was tried`).toBeGreaterThan(0);
});
