/**
 * How often an unauthenticated request may cause a write to the audit log. Anyone on the internet can
 * post to a public endpoint, so recording every refused request would let a flood of them write
 * without limit, and contend with real security events on the day's single SECURITY chain. This admits
 * one record per key (e.g. reason and source IP) per window, and at most `maxPerWindow` records in any
 * window, so its memory and the writes it lets through are bounded whatever arrives. What it turns
 * away is counted, and the next record carries the count, so the scale of a flood still shows.
 *
 * State lives in the caller's process: on Lambda the limits are per function instance. Pure: the time
 * is passed in.
 */
export interface RecordThrottleOptions {
  /** Length of the window, in ms. */
  readonly windowMs: number;
  /** Most records admitted in any window, over all keys. */
  readonly maxPerWindow: number;
}

export type Admission =
  | { readonly record: true; readonly unrecorded: number }
  | { readonly record: false };

export class RecordThrottle {
  /** Keys admitted within the last window, with when; in admission order, so the oldest are first. */
  private readonly admitted = new Map<string, number>();
  /** Turned away since the last admission, over all keys. */
  private unrecorded = 0;

  constructor(private readonly options: RecordThrottleOptions) {}

  /** Keys held in memory: never more than maxPerWindow. */
  get size(): number {
    return this.admitted.size;
  }

  /**
   * Whether an event under `key` should be recorded at `now` (ms). When it should, `unrecorded` is how
   * many events this throttle turned away since it last admitted one.
   */
  admit(key: string, now: number): Admission {
    for (const [seen, at] of this.admitted) {
      if (now - at < this.options.windowMs) break;
      this.admitted.delete(seen);
    }
    if (this.admitted.has(key) || this.admitted.size >= this.options.maxPerWindow) {
      this.unrecorded++;
      return { record: false };
    }
    this.admitted.set(key, now);
    const unrecorded = this.unrecorded;
    this.unrecorded = 0;
    return { record: true, unrecorded };
  }
}
