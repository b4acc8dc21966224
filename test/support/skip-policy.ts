/**
 * The one rule for skipping: only a test that needs a tool npm cannot provide (Debian's psql, a MariaDB
 * server) may skip, and it says so in one line naming what it skipped and how to get the tool. Under
 * ACCESSGATE_TEST_NO_SKIP=1 (set by .ci/run) a missing tool fails the file instead, and the no-skip
 * reporter fails the run if any test was skipped at all, so CI always runs everything.
 */

export const NO_SKIP = process.env.ACCESSGATE_TEST_NO_SKIP === '1';

export interface DebianOnlyTool {
  /** Whether the tool is there (a binary found, a server URL set). */
  readonly present: boolean;
  /** What is skipped without it, in a few words: "psql through accessgate connect". */
  readonly skips: string;
  /** How to get it: "apt-get install postgresql-client". */
  readonly install: string;
}

/**
 * Whether tests that need `tool` can run; use as `describe.runIf(await debianOnly(...))`.
 * Throws under ACCESSGATE_TEST_NO_SKIP=1 when the tool is missing.
 */
export function debianOnly(tool: DebianOnlyTool): boolean {
  if (tool.present) return true;
  const line = `skipped: ${tool.skips} — needs a Debian-only tool: ${tool.install}`;
  if (NO_SKIP) throw new Error(`${line} (ACCESSGATE_TEST_NO_SKIP=1 forbids skipping)`);
  console.warn(line);
  return false;
}

/** The MariaDB server MySQL tests run against (.ci/run starts Debian's and sets it). */
export const MYSQL_URL = process.env.ACCESSGATE_TEST_MYSQL_URL;

/** Whether tests needing MariaDB can run (`debianOnly` for `MYSQL_URL`); `skips` says what is skipped without it. */
export const mariaDb = (skips: string): boolean =>
  debianOnly({ present: !!MYSQL_URL, skips, install: 'apt-get install mariadb-server, then set ACCESSGATE_TEST_MYSQL_URL as .ci/run does' });
