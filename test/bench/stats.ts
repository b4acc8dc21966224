/** The figures every benchmark row prints: nearest-rank percentiles of samples in ms. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const ms = (value: number) => `${value.toFixed(1)} ms`;

export const summary = (values: number[]) => `p50 ${ms(percentile(values, 50))}  p99 ${ms(percentile(values, 99))}  (n=${values.length})`;
