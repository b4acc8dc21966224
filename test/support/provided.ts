/** What the global setup hands to test files through vitest's provide/inject. */

export interface ProvidedPostgres {
  /** A superuser URL on the run's own server, or the URL given in ACCESSGATE_TEST_PG_URL. */
  readonly url: string;
  /** True for ACCESSGATE_TEST_PG_URL: one database shared by the files, none created. */
  readonly external: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ProvidedPostgres;
  }
}
