import { describe, expect, it } from 'vitest';
import { RecordThrottle } from '../../../functions/domain/record-throttle';

const MINUTE = 60_000;

describe('the record throttle', () => {
  it('admits one record per key per window, and counts what it turned away', () => {
    const throttle = new RecordThrottle({ windowMs: MINUTE, maxPerWindow: 10 });

    expect(throttle.admit('bad_signature 1.2.3.4', 0)).toEqual({ record: true, unrecorded: 0 });
    for (let i = 1; i <= 5; i++) expect(throttle.admit('bad_signature 1.2.3.4', i * 1_000)).toEqual({ record: false });
    expect(throttle.admit('stale_timestamp 1.2.3.4', 6_000)).toEqual({ record: true, unrecorded: 5 });
    expect(throttle.admit('bad_signature 1.2.3.4', MINUTE - 1)).toEqual({ record: false });
    expect(throttle.admit('bad_signature 1.2.3.4', MINUTE)).toEqual({ record: true, unrecorded: 1 });
  });

  it('admits at most maxPerWindow records in any window, however many keys arrive', () => {
    const throttle = new RecordThrottle({ windowMs: MINUTE, maxPerWindow: 3 });
    const admitted = (from: number, count: number, at: number) =>
      Array.from({ length: count }, (_, i) => throttle.admit(`bad_signature 10.0.${from + i}.1`, at)).filter((a) => a.record).length;

    expect(admitted(0, 1_000, 0)).toBe(3);
    expect(admitted(1_000, 1_000, MINUTE / 2)).toBe(0);
    // Once the first records are a window old, room opens again, and the next says how many were let go.
    expect(throttle.admit('bad_signature 10.9.9.9', MINUTE)).toEqual({ record: true, unrecorded: 1_997 });
    expect(admitted(2_000, 1_000, MINUTE)).toBe(2);
  });

  it('keeps no more keys than one window of records', () => {
    const throttle = new RecordThrottle({ windowMs: MINUTE, maxPerWindow: 5 });
    for (let i = 0; i < 100_000; i++) throttle.admit(`k${i}`, i);
    expect(throttle.size).toBeLessThanOrEqual(5);
  });
});
