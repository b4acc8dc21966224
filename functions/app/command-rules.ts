/**
 * Rules that decide by what a command is, applied at submission before any session exists: a command
 * matching one of its rule's guardrails is refused (and the refusal recorded on the security stream,
 * since no session holds it), and a command the parser proves read-only under `autoApprove: read-only`
 * needs no review. On MySQL, a script holding a statement MySQL commits on its own is refused
 * (domain/implicit-commit.ts): it could not run as one unit. Every submission path (HTTP API, web terminal, CLI, the `connect` gateway) comes
 * through `submitSession`, and so through here.
 */
import { classificationOf, GuardrailRefusedError, guardrailMatched, provenReadOnly } from '../domain/guardrails';
import { actorOf, type Identity } from '../domain/identity';
import { refuseSelfCommittingScript } from '../domain/implicit-commit';
import type { Resource } from '../domain/resource';
import type { Rule } from '../domain/rule';
import { commandDigest, type SqlParameter } from '../domain/session';
import { recordSecurityEvent } from './audit-trail';
import type { Deps } from './ports';

export interface CommandJudgement {
  /** The command runs without review; `classification` is what the parser proved, for the audit trail. */
  readonly autoApproved: boolean;
  readonly classification?: ReturnType<typeof classificationOf>;
}

/**
 * Refuses a command its rule's guardrails deny (GuardrailRefusedError, recorded first), then a MySQL
 * script that could not run as one unit (SelfCommittingScriptError, bad input: nothing recorded), or
 * says whether it skips review.
 */
export async function judgeCommand(
  deps: Pick<Deps, 'sqlClassifier' | 'events' | 'clock'>,
  who: Identity,
  resource: Resource,
  rule: Rule | undefined,
  input: { readonly command: string; readonly parameters?: readonly SqlParameter[]; readonly reason?: string },
): Promise<CommandJudgement> {
  const deny = rule?.guardrails?.deny ?? [];
  const ruleReads = rule !== undefined && (deny.length > 0 || rule.autoApprove === 'read-only');
  if (!ruleReads && resource.type !== 'mysql') return { autoApproved: false };
  const statements = await deps.sqlClassifier.classify(input.command, resource.type, input.parameters?.map((p) => p.name));
  const classification = classificationOf(statements);
  const match = guardrailMatched(deny, statements);
  if (match && rule) {
    await recordSecurityEvent(deps, 'security.guardrail_refused', actorOf(who), {
      resource: resource.id,
      rule: rule.name,
      guardrail: match.guardrail,
      command: input.command,
      ...(input.parameters?.length ? { parameters: input.parameters } : {}),
      commandSha256: commandDigest(input.command, input.parameters),
      ...(input.reason?.trim() ? { reason: input.reason.trim() } : {}),
      statements: classification,
    });
    throw new GuardrailRefusedError(match);
  }
  refuseSelfCommittingScript(resource.type, statements);
  return { autoApproved: rule?.autoApprove === 'read-only' && provenReadOnly(statements), classification };
}
