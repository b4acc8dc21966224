/**
 * Reads a request body for the local stand-in servers (API Gateway, Step Functions, Lambda, Secrets
 * Manager, Data API, Slack), refusing one over `limit` bytes the way the real endpoint would.
 */
import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** API Gateway's payload limit; the other stand-ins pass their service's own. */
export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

/**
 * A body over `limit` is read to its end and dropped, then refused, so the client hears the refusal
 * (413) instead of a reset connection; past DRAIN_LIMIT the connection is cut, as no client needs
 * that many bytes to learn it was too many.
 */
const DRAIN_LIMIT = 64 * 1024 * 1024;

export function readBody(request: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_LIMIT) {
        reject(new BodyTooLargeError(`request body over the ${limit}-byte limit`));
        request.destroy();
      } else if (size <= limit) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > limit) reject(new BodyTooLargeError(`request body over the ${limit}-byte limit`));
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}
