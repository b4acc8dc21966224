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

export function readBody(request: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLargeError(`request body over the ${limit}-byte limit`));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
