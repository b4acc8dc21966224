/**
 * Consecutive slices of at most `size` items, in order: for the AWS calls that take a bounded batch
 * (SQS SendMessageBatch and EventBridge PutEvents take 10 entries each).
 */
export function* batchesOf<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
