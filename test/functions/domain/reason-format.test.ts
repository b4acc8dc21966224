import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../functions/domain/errors';
import { evaluateCommand } from '../../../functions/domain/policy';
import { linkProblem, MAX_PATTERN_LENGTH, patternProblem, reasonLinkOf, reasonMatches } from '../../../functions/domain/reason-format';
import { ruleSchema, ruleSnapshot } from '../../../functions/domain/rule';
import { reviewMessage } from '../../../functions/domain/slack-message';
import { newSession } from '../../../functions/domain/session';

const alice = { sub: 'sub-alice', email: 'alice@example.com', name: 'alice', groups: ['dba'] };
const resource = { id: 'postgres-demo', name: 'Orders', type: 'postgres' as const, database: 'postgres', clusterArn: 'arn:c', secretArn: 'arn:s', allowedGroups: ['dba'] };
const rule = (extra: Record<string, unknown> = {}) =>
  ruleSchema.parse({ name: 'ticketed', resources: ['postgres-demo'], approvalGroups: ['dba-approvers'], reasonPattern: 'OPS-[0-9]+', ...extra });

const fieldsOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.details?.fields;
    throw error;
  }
  throw new Error('expected an InvalidInputError');
};

describe('patternProblem', () => {
  it('accepts ordinary ticket formats', () => {
    for (const pattern of ['OPS-[0-9]+', '(?:OPS|INC)-\\d{1,6}', '[A-Z]{2,10}-\\d+( .*)?', 'CHG\\d{7}']) expect(patternProblem(pattern), pattern).toBeUndefined();
  });

  it('refuses patterns that can backtrack exponentially, backreferences, lookarounds, bad syntax and long ones', () => {
    for (const pattern of ['(a+)+$', '(a|aa)*b', '(\\w+\\s?)*$', '((ab)*)+', '(a{1,3}){2,}']) expect(patternProblem(pattern), pattern).toMatch(/exponential/);
    expect(patternProblem('(a)\\1')).toMatch(/backreferences/);
    expect(patternProblem('a*a*a*a*b')).toMatch(/at most 3 times/);
    expect(patternProblem('OPS(?=-)')).toMatch(/lookahead/);
    expect(patternProblem('OPS-[')).toMatch(/not a valid regular expression/);
    expect(patternProblem('a'.repeat(MAX_PATTERN_LENGTH + 1))).toMatch(/at most/);
  });

  it('refuses a sequence of alternatives or optional parts that multiplies into too many ways to match, with no quantifier repeated', () => {
    // `(a|a)` forty times fits in 200 characters and tries 2^40 ways on forty a's and a b.
    for (const pattern of ['(a|a)'.repeat(40), '(a|a)'.repeat(13), '(?:OPS|INC)?'.repeat(13), '(a|a)?a*a*a*b', '(a|a)'.repeat(12) + 'a*a*b']) {
      expect(patternProblem(pattern), pattern).toMatch(/too many alternatives and optional parts/);
    }
    // The boundary: twelve two-way choices and one repeat are admitted, and take no time at all.
    expect(patternProblem('(a|a)'.repeat(12) + 'a*b')).toBeUndefined();
    expect(patternProblem('[A-Z]+-\\d+ ?(x|y)?')).toBeUndefined();
  });

  it('matches the whole reason only', () => {
    expect(reasonMatches('OPS-[0-9]+', 'OPS-42')).toBe(true);
    expect(reasonMatches('OPS-[0-9]+', 'OPS-42; drop everything')).toBe(false);
    expect(reasonMatches('OPS-[0-9]+|INC-[0-9]+', 'x INC-1')).toBe(false);
    expect(reasonMatches('OPS-[0-9]+ .*', `OPS-1 ${'x'.repeat(300)}`)).toBe(false);
  });
});

describe('reasonLink', () => {
  it('must be https with {reason} in it, and only next to a reasonPattern', () => {
    expect(linkProblem('https://tracker.example.com/browse/{reason}')).toBeUndefined();
    expect(linkProblem('http://tracker.example.com/browse/{reason}')).toMatch(/https/);
    expect(linkProblem('javascript:alert({reason})')).toMatch(/https/);
    expect(linkProblem('https://tracker.example.com/browse/')).toMatch(/\{reason\}/);
    const alone = ruleSchema.safeParse({ name: 'r', resources: ['x'], approvalGroups: ['g'], reasonLink: 'https://t.example.com/{reason}' });
    expect(alone.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['reasonLink']);
    expect(ruleSchema.safeParse({ name: 'r', resources: ['x'], approvalGroups: ['g'], reasonPattern: '(a+)+' }).error?.issues[0]?.path).toEqual(['reasonPattern']);
  });

  it('URL-encodes the reason into the link, on the Slack card too', () => {
    const snapshot = ruleSnapshot(rule({ reasonPattern: 'OPS-[0-9]+ .*', reasonLink: 'https://tracker.example.com/browse/{reason}' }));
    const session = newSession({ id: 's-1', now: new Date(), requester: alice, resource, command: 'select 1', reason: 'OPS-7 a&b|<c>', rule: snapshot });
    expect(reasonLinkOf(session)).toBe('https://tracker.example.com/browse/OPS-7%20a%26b%7C%3Cc%3E');
    const { blocks } = reviewMessage(session, { webUrl: 'https://accessgate.example.com' });
    expect(JSON.stringify(blocks.find((block) => block.block_id === 'reason-link'))).toContain('<https://tracker.example.com/browse/OPS-7%20a%26b%7C%3Cc%3E|Open the reason in the tracker>');
  });
});

describe('evaluateCommand with a reasonPattern', () => {
  it('requires a reason and refuses one that does not match, naming reason', () => {
    expect(fieldsOf(() => evaluateCommand(alice, resource, [rule()], undefined))).toEqual(['reason']);
    expect(fieldsOf(() => evaluateCommand(alice, resource, [rule()], 'fixing stuff'))).toEqual(['reason']);
    expect(evaluateCommand(alice, resource, [rule()], ' OPS-12 ').rule?.name).toBe('ticketed');
  });
});
