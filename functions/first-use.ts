/**
 * What the side composition roots (evidence-wiring.ts, push-wiring.ts) build on: an adapter made at
 * first use, and the optional settings it needs checked only then, so a function is asked only for
 * the settings of the adapters it touches.
 */

/** The value `make` returns, made at the first call and kept. */
export function atFirstUse<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/**
 * Reads one of a side's optional settings that the adapter being built needs; unset, it fails naming
 * the side and the variable ("accessgate audit evidence is misconfigured: DIGEST_KEY_ID is not set...").
 */
export function requiredSetting<S extends object>(settings: S, side: string): <K extends keyof S>(name: K) => NonNullable<S[K]> {
  return (name) => {
    const value = settings[name];
    if (value === undefined) throw new Error(`accessgate ${side} is misconfigured: ${String(name)} is not set for this function`);
    return value as NonNullable<(typeof settings)[typeof name]>;
  };
}
