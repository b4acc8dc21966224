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
 * length, and a reason checked against a pattern is at most MAX_PATTERNED_REASON_LENGTH characters.
 * Alternatives and optional parts multiply that work even without any repetition: `(a|a)` forty times
 * tries 2^40 ways on a reason of forty a's and a b. So a pattern is also refused when its ways to match
 * (matchPaths: the product of every alternation's branches, 2 per optional part, and the ways its
 * repeats share the reason) exceed MAX_MATCH_PATHS, or its alternatives and optional parts alone exceed
 * MAX_CHOICES. The worst patterns admitted (`a*a*a*b`, `( .*)?a*a*a*b`, `(a|a)` twelve times then
 * `a*b`) take well under a second on a 200-character reason. The pattern must match the whole
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
/** The most ways a pattern's alternatives and optional parts alone may combine. */
export const MAX_CHOICES = 2 ** 12;
/** The most ways a pattern may match a reason of MAX_PATTERNED_REASON_LENGTH characters, repeats included. */
export const MAX_MATCH_PATHS = 2 ** 22;

/** How many ways `repeats` repeating quantifiers can share a reason of the longest length: L^r / r!. */
const repeatPaths = (repeats: number): number => {
  let paths = 1;
  for (let r = 1; r <= repeats; r++) paths = (paths * (MAX_PATTERNED_REASON_LENGTH + 1)) / r;
  return paths;
};

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
  // One frame per open group (the outermost is the pattern itself): whether it holds a quantifier or a `|`,
  // and how many branches its alternation has.
  const groups: { quantified: boolean; alternation: boolean; branches: number }[] = [{ quantified: false, alternation: false, branches: 1 }];
  let repeats = 0;
  let choices = 1;
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
      groups.push({ quantified: false, alternation: false, branches: 1 });
    } else if (char === ')') {
      const closed = groups.pop()!;
      const parent = groups[groups.length - 1]!;
      const quantifiedGroup = QUANTIFIER.test(pattern.slice(i + 1));
      if (REPEATING.test(pattern.slice(i + 1)) && (closed.quantified || closed.alternation)) {
        return 'must not repeat a group that itself repeats or alternates, like (a+)+ or (a|ab)* (it can take exponential time)';
      }
      parent.quantified ||= closed.quantified || quantifiedGroup;
      parent.alternation ||= closed.alternation;
      choices *= closed.branches;
    } else if (char === '|') {
      top.alternation = true;
      top.branches++;
    } else if (QUANTIFIER.test(char) && pattern[i - 1] !== '(') {
      top.quantified = true;
      if (REPEATING.test(pattern.slice(i))) {
        if (++repeats > MAX_REPEATS) return `must repeat at most ${MAX_REPEATS} times (*, + or {n,m}), so checking a reason stays fast`;
      } else if (char === '?' && !/[*+?}]/.test(pattern[i - 1] ?? '')) {
        choices *= 2; // an optional part; a `?` after another quantifier only makes it lazy
      }
    }
  }
  choices *= groups[0]!.branches;
  if (choices > MAX_CHOICES || choices * repeatPaths(repeats) > MAX_MATCH_PATHS) {
    return `has too many alternatives and optional parts to check a reason quickly (${matchPathsText(choices, repeats)}); write fewer, or use a character class such as [A-Z]`;
  }
  return undefined;
}

const matchPathsText = (choices: number, repeats: number): string =>
  `${choices} combinations of alternatives and optional parts${repeats ? ` times ${Math.round(repeatPaths(repeats))} ways for ${repeats} repeat${repeats > 1 ? 's' : ''}` : ''}; at most ${MAX_CHOICES} and ${MAX_MATCH_PATHS} in all`;

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
