/**
 * How the web UI words a distance in time (web/src/format.ts). The module is browser code, type-checked
 * by its own project (web/tsconfig.json), so it is loaded here by a path the root project does not follow.
 */
import { describe, expect, it } from 'vitest';

const FORMAT = '../../web/src/format';
const { relative } = (await import(/* @vite-ignore */ FORMAT)) as { relative(iso: string | undefined, now?: number): string };

const NOW = Date.parse('2026-11-30T12:00:00.000Z');
const inSeconds = (seconds: number) => relative(new Date(NOW + seconds * 1000).toISOString(), NOW);

describe('relative', () => {
  it('never reads "60 min" or "24 h": a figure that rounds up to the next unit is shown in that unit', () => {
    expect(inSeconds(3590)).toBe('in 1 h');
    expect(inSeconds(3599)).toBe('in 1 h');
    expect(inSeconds(86_390)).toBe('in 1 d');
    expect(inSeconds(-59.6)).toBe('1 min ago');
  });

  it('keeps each unit below its boundary', () => {
    expect(inSeconds(59)).toBe('in 59 s');
    expect(inSeconds(3560)).toBe('in 59 min');
    expect(inSeconds(-5400)).toBe('1.5 h ago');
    expect(inSeconds(2 * 86_400)).toBe('in 2 d');
  });
});

const { lengthText } = (await import(/* @vite-ignore */ FORMAT)) as { lengthText(seconds: number): string };

describe('lengthText', () => {
  it('says an access window\'s length or time left in whole units, never below zero', () => {
    expect([-5, 0, 59.9, 60, 1800, 3599, 3600, 3900, 43_200].map(lengthText)).toEqual(['0 s', '0 s', '59 s', '1 min', '30 min', '59 min', '1 h', '1 h 5 min', '12 h']);
    expect(lengthText(Number.NaN)).toBe('0 s');
  });
});
