/**
 * Reason formats: a rule's `reasonPattern` makes a reason required and checks it at submission, and its
 * optional `reasonLink` turns the reason into a link for reviewers.
 *
 * JavaScript's RegExp backtracks, and a pattern like `(a+)+$` takes exponential time on a crafted
 * reason. There is no linear-time engine here, so a pattern is accepted only if it cannot backtrack
 * exponentially (patternProblem): at most MAX_PATTERN_LENGTH characters; no backreferences or
 * lookarounds; and no quantified group that itself contains a quantifier or an alternation (`(a+)+`,
 * `(a|ab)*`; an optional group, `( .*)?`, is fine); and at most MAX_REPEATS repeating quantifiers
 * (`*`, `+`, `{n,m}`). What is left backtracks at most polynomially, to the third power of the reason's
 * length, and a reason checked against a pattern is at most MAX_PATTERNED_REASON_LENGTH characters:
 * the worst pattern admitted (`a*a*a*b` on 200 a's) takes tens of milliseconds once. The pattern must match the whole
 * reason (it is anchored), so "OPS-1; anything" does not pass `OPS-[0-9]+`.
 *
 * Pure and free of zod and node imports, so the web UI and the CLI build reviewers' links with it.
 */

export const MAX_PATTERN_LENGTH = 200;
/** A reason checked against a pattern is a ticket reference, not an essay; longer ones do not match. */
export const MAX_PATTERNED_REASON_LENGTH = 200;
/** Each repeating quantifier multiplies the worst case by the reason's length: three keep it polynomial and small. */
export const MAX_REPEATS = 3;
export const REASON_PLACEHOLDER = '{reason}';

const QUANTIFIER = /^[*+?{]/;
/** A quantifier that can repeat its atom more than once (`?` and `{0,1}`-like ones cannot). */
const REPEATING = /^(?:[*+]|\{\d*,|\{(?:[2-9]|\d{2,})\})/;

/** Why a pattern is refused, or undefined when it compiles and cannot backtrack exponentially. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `must be at most ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    return `is not a valid regular expression (${(error as Error).message})`;
  }
  // One frame per open group (the outermost is the pattern itself): whether it holds a quantifier or a `|`.
  const groups: { quantified: boolean; alternation: boolean }[] = [{ quantified: false, alternation: false }];
  let repeats = 0;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    const top = groups[groups.length - 1]!;
    if (char === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9k]/.test(next)) return 'must not use backreferences';
      i++;
    } else if (char === '[') {
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
    } else if (char === '(') {
      if (/^\(\?<?[=!]/.test(pattern.slice(i))) return 'must not use lookahead or lookbehind';
      groups.push({ quantified: false, alternation: false });
    } else if (char === ')') {
      const closed = groups.pop()!;
      const parent = groups[groups.length - 1]!;
      const quantifiedGroup = QUANTIFIER.test(pattern.slice(i + 1));
      if (REPEATING.test(pattern.slice(i + 1)) && (closed.quantified || closed.alternation)) {
        return 'must not repeat a group that itself repeats or alternates, like (a+)+ or (a|ab)* (it can take exponential time)';
      }
      parent.quantified ||= closed.quantified || quantifiedGroup;
      parent.alternation ||= closed.alternation;
    } else if (char === '|') {
      top.alternation = true;
    } else if (QUANTIFIER.test(char) && pattern[i - 1] !== '(') {
      top.quantified = true;
      if (REPEATING.test(pattern.slice(i)) && ++repeats > MAX_REPEATS) return `must repeat at most ${MAX_REPEATS} times (*, + or {n,m}), so checking a reason stays fast`;
    }
  }
  return undefined;
}

/** Whether the whole reason matches the (already checked) pattern. */
export const reasonMatches = (pattern: string, reason: string): boolean =>
  reason.length <= MAX_PATTERNED_REASON_LENGTH && new RegExp(`^(?:${pattern})$`, 'u').test(reason);

/** Why a link template is refused: it must be an https URL with `{reason}` in it. */
export function linkProblem(template: string): string | undefined {
  if (!template.includes(REASON_PLACEHOLDER)) return `must contain ${REASON_PLACEHOLDER}`;
  let url: URL;
  try {
    url = new URL(template.replaceAll(REASON_PLACEHOLDER, 'x'));
  } catch {
    return 'must be an absolute URL';
  }
  return url.protocol === 'https:' ? undefined : 'must be an https URL';
}

/** The reviewers' link for a session's reason: the template with `{reason}` URL-encoded; none without both. */
export function reasonLinkOf(session: { readonly reason?: string; readonly rule?: { readonly reasonLink?: string } | null }): string | undefined {
  const template = session.rule?.reasonLink;
  if (!template || !session.reason) return undefined;
  return template.replaceAll(REASON_PLACEHOLDER, encodeURIComponent(session.reason));
}
