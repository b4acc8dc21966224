/**
 * Who a person is when they decide on a review, the same way on every path (the API with a token, the
 * web UI and the CLI through it, a Slack click with a profile email): the person the directory knows
 * under their email (the person key, functions/domain/identity.ts), with the directory's groups. The
 * directory is the one source of group membership for review decisions, so a person cannot be an
 * approver in Slack and not through the API, or the other way round; the token's groups still decide
 * everything else (admin, auditor, which resources one may use).
 */
import { ForbiddenError } from '../domain/errors';
import { type Identity, personKey } from '../domain/identity';
import type { Deps } from './ports';

/** The directory's entry for this email, keyed by the normalised email; undefined when it knows no such person. */
export async function personByEmail(deps: Deps, email: string): Promise<Identity | undefined> {
  const key = personKey({ email });
  if (!key || !deps.directory) return undefined;
  const entry = await deps.directory.lookup(key);
  return entry && { ...entry, email: key };
}

/**
 * The token's holder as a reviewer: the subject and name their identity provider vouched for, the
 * directory's groups. Refused (403 `not_in_directory`) when the token has no email or the directory
 * does not know it: such a caller has no place in any review. Without a directory (the API is the
 * only path to a decision) the token's own groups are the one source.
 */
export async function reviewerOf(deps: Deps, who: Identity): Promise<Identity> {
  if (!deps.directory) return who;
  const entry = await personByEmail(deps, who.email);
  if (!entry) {
    throw new ForbiddenError(
      who.email
        ? `${who.email} is not in the accessgate directory, which decides who may review; ask an admin to add you.`
        : 'Your token carries no email, which accessgate needs to tell reviewers apart; sign in with an ID token.',
      'not_in_directory',
    );
  }
  return { ...who, email: entry.email, groups: entry.groups };
}
