import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/config';

const TABLES = { SESSIONS_TABLE: 'sessions', EVENTS_TABLE: 'events', RESULTS_TABLE: 'results' };
const SESSION = 'arn:aws:states:eu-west-1:123456789012:stateMachine:accessgate-session';
const COMMAND_REVIEW = 'arn:aws:states:eu-west-1:123456789012:stateMachine:accessgate-command-review';

describe('the workflow state machines in a function\'s settings', () => {
  it('takes both ARNs, or neither (a function that starts no workflow)', () => {
    expect(loadConfig({ ...TABLES, STATE_MACHINE_ARN: SESSION, COMMAND_REVIEW_STATE_MACHINE_ARN: COMMAND_REVIEW })).toMatchObject({
      STATE_MACHINE_ARN: SESSION,
      COMMAND_REVIEW_STATE_MACHINE_ARN: COMMAND_REVIEW,
    });
    expect(loadConfig(TABLES).COMMAND_REVIEW_STATE_MACHINE_ARN).toBeUndefined();
  });

  it('refuses one without the other, naming the variable', () => {
    expect(() => loadConfig({ ...TABLES, STATE_MACHINE_ARN: SESSION })).toThrow(/COMMAND_REVIEW_STATE_MACHINE_ARN/);
    expect(() => loadConfig({ ...TABLES, COMMAND_REVIEW_STATE_MACHINE_ARN: COMMAND_REVIEW })).toThrow(/STATE_MACHINE_ARN and COMMAND_REVIEW_STATE_MACHINE_ARN together/);
  });

  it('refuses an empty ARN, as for the session machine', () => {
    expect(() => loadConfig({ ...TABLES, STATE_MACHINE_ARN: SESSION, COMMAND_REVIEW_STATE_MACHINE_ARN: '' })).toThrow(/COMMAND_REVIEW_STATE_MACHINE_ARN/);
  });
});
