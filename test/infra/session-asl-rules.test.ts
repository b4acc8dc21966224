/**
 * statemachines/session.asl.json against the Amazon States Language rules (asl-validator: the JSON schema
 * of every state type, transition targets that exist, reachable and terminal states, JSONPath syntax,
 * Resource ARNs), as Step Functions would check it on deploy. The local runner is more lenient than the
 * service, so a definition that runs locally may still be refused by CreateStateMachine; this catches
 * that in `npm test`, with no AWS account.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { SESSION_ASL_PATH } from '../../infra/constructs/workflow';

interface AslValidation {
  isValid: boolean;
  errorsText: (separator?: string) => string;
}
// asl-validator is CommonJS and ships no type declarations.
const validate = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => AslValidation;

const asl = readFileSync(SESSION_ASL_PATH, 'utf8');

/** The definition as CloudFormation hands it to Step Functions: each `${Name}` substituted with a function ARN. */
function deployedDefinition(): Record<string, any> {
  const placeholders = [...new Set([...asl.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]))];
  expect(placeholders.length).toBeGreaterThan(0);
  return JSON.parse(asl.replace(/\$\{(\w+)\}/g, (_, name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:accessgate-${name}`));
}

describe('the session state machine', () => {
  it('follows the States Language rules', () => {
    const result = validate(deployedDefinition());
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  // The rules are really applied to this file's shape: the same definition with one fault is refused.
  it.each([
    ['a transition to a state that does not exist', (d: Record<string, any>) => (d.States[d.StartAt].Next = 'NoSuchState')],
    ['a Task with two timeouts', (d: Record<string, any>) => (d.States[d.StartAt].TimeoutSecondsPath = '$.timeout')],
    ['a malformed path', (d: Record<string, any>) => (d.States[d.StartAt].ResultPath = 'Payload')],
  ])('is refused with %s', (_, fault) => {
    const definition = deployedDefinition();
    fault(definition);
    expect(validate(definition).isValid).toBe(false);
  });
});
