/**
 * `accessgate logout`: deletes the cached token. The token itself stays valid until it expires (the
 * API is stateless), which the message says, so nobody mistakes this for revocation.
 */
import { parse } from '../lib/args';
import type { Io } from '../lib/command';
import { clearTokenCache, tokenFile } from '../lib/config';
import { EXIT } from '../lib/errors';

export const help = `Usage: accessgate logout

Deletes the token cached by accessgate login. A copy of it elsewhere stays valid until it expires.`;

export async function run(args: readonly string[], io: Io): Promise<number> {
  parse(args, {});
  const removed = clearTokenCache(io.env);
  io.stderr.write(removed ? `Removed ${tokenFile(io.env)}.\n` : 'No cached token to remove.\n');
  return EXIT.done;
}
