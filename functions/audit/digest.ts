/**
 * The digest sealer Lambda, run on a schedule (hourly on AWS; every fraction of
 * ACCESSGATE_DIGEST_SECONDS locally): seals every period that has ended since the chain head.
 */
import middy from '@middy/core';
import { sealDigests } from '../app/evidence-digest';
import { evidenceDeps } from '../evidence-wiring';
import { deps } from '../wiring';

export const handler = middy<unknown, { sealed: string[] }>().handler(async () => {
  const digests = await sealDigests(evidenceDeps());
  if (digests.length) {
    deps().log.info('digests sealed', { digests: digests.map((d) => d.digestKey), objects: digests.reduce((sum, d) => sum + d.objects.length, 0) });
  }
  return { sealed: digests.map((digest) => digest.digestKey) };
});
