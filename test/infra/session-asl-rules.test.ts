/**
 * Both state machines, statemachines/session.asl.json and command-review.asl.json, against the Amazon
 * States Language rules (asl-validator: the JSON schema
 * of every state type, transition targets that exist, reachable and terminal states, JSONPath syntax,
 * Resource ARNs), as Step Functions would check it on deploy. The local runner is more lenient than the
 * service, so a definition that runs locally may still be refused by CreateStateMachine; this catches
 * that in `npm test`, with no AWS account. Each Task retries Lambda's service errors and throttles and
 * catches every other error, the machine has its 8-day execution timeout, and the states the two files
 * share are the same, word for word, so a change to one that forgets the other fails here.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ASL_PATHS } from '../../infra/constructs/workflow';

interface AslValidation {
  isValid: boolean;
  errorsText: (separator?: string) => string;
}
// asl-validator is CommonJS and ships no type declarations.
const validate = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => AslValidation;

/** The definition as CloudFormation hands it to Step Functions: each `${Name}` substituted with a function ARN. */
function deployedDefinition(asl: string): Record<string, any> {
  const placeholders = [...new Set([...asl.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]))];
  expect(placeholders.length).toBeGreaterThan(0);
  return JSON.parse(asl.replace(/\$\{(\w+)\}/g, (_, name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:accessgate-${name}`));
}

const LAMBDA_SERVICE_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];
/** The longest review a rule may set (7 days) plus the longest window (12 hours), with room to spare: 8 days. */
const EXECUTION_TIMEOUT_SECONDS = 8 * 86_400;

describe.each(Object.entries(ASL_PATHS))('the %s state machine', (_, path) => {
  const asl = readFileSync(path, 'utf8');

  it('follows the States Language rules', () => {
    const result = validate(deployedDefinition(asl));
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  // The rules are really applied to this file's shape: the same definition with one fault is refused.
  it.each([
    ['a transition to a state that does not exist', (d: Record<string, any>) => (d.States[d.StartAt].Next = 'NoSuchState')],
    ['a Task with two timeouts', (d: Record<string, any>) => (d.States.Execute.TimeoutSecondsPath = '$.timeout')],
    ['a malformed path', (d: Record<string, any>) => (d.States[d.StartAt].ResultPath = 'Payload')],
  ])('is refused with %s', (_, fault) => {
    const definition = deployedDefinition(asl);
    fault(definition);
    expect(validate(definition).isValid).toBe(false);
  });

  it('ends an execution after 8 days, and every Task has a timeout, retries Lambda service errors and catches every other error', () => {
    const definition = JSON.parse(asl);
    expect(definition.TimeoutSeconds).toBe(EXECUTION_TIMEOUT_SECONDS);
    const tasks = Object.entries(definition.States as Record<string, any>).filter(([, state]) => state.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const [name, state] of tasks) {
      expect(state.TimeoutSeconds ?? state.TimeoutSecondsPath, name).toBeDefined();
      expect(state.Retry.some((retry: { ErrorEquals: string[] }) => LAMBDA_SERVICE_ERRORS.every((error) => retry.ErrorEquals.includes(error))), name).toBe(true);
      expect(state.Catch.at(-1).ErrorEquals, name).toEqual(['States.ALL']);
    }
  });
});

describe('the two state machines', () => {
  const session = JSON.parse(readFileSync(ASL_PATHS.session, 'utf8'));
  const commandReview = JSON.parse(readFileSync(ASL_PATHS['command-review'], 'utf8'));

  it('share AwaitReview, Expire, Execute, Record and SessionNotRecorded word for word, Retry and Catch included', () => {
    const shared = ['AwaitReview', 'Expire', 'Execute', 'Record', 'SessionNotRecorded'];
    for (const name of shared) expect(commandReview.States[name], name).toEqual(session.States[name]);
    // Nothing else in the review machine but the Choice on Expire's route, whose name Expire's Next keeps.
    expect(Object.keys(commandReview.States).sort()).toEqual([...shared, 'Route'].sort());
    expect(commandReview.States.Route.Type).toBe('Choice');
  });

  it('start a command waiting for its review at the wait itself, and time out alike', () => {
    expect(commandReview.StartAt).toBe('AwaitReview');
    expect(commandReview.TimeoutSeconds).toBe(session.TimeoutSeconds);
    expect(commandReview.States.AwaitReview.Next).toBe('Execute');
    expect(commandReview.States.Execute.End).toBe(true);
  });
});
