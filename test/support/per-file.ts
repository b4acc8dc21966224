/**
 * A fixture for the calling test file: `start` runs in a beforeAll and `stop` in an afterAll, both
 * registered by this call. The object returned is filled with what `start` gave once it has run, so a
 * file's own hooks registered after this call, and its cases, see it ready; before that it is empty.
 */
import { afterAll, beforeAll } from 'vitest';

export function perFile<T extends object>(start: () => Promise<T>, stop: (started: T) => Promise<void>, timeoutMs?: number): T {
  const fixture = {} as T;
  let started = false;
  beforeAll(async () => {
    Object.assign(fixture, await start());
    started = true;
  }, timeoutMs);
  afterAll(async () => {
    if (started) await stop(fixture);
  });
  return fixture;
}
