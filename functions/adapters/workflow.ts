/**
 * The session workflow through the Step Functions API, on two state machines: a command waiting for its
 * review starts statemachines/command-review.asl.json, every other route (and a re-drive) the session
 * machine (domain/workflow-route.ts machineFor). The endpoint comes from the SDK's configuration
 * (AWS_ENDPOINT_URL_SFN locally, where infra/local serves the same protocol over the same ASL files).
 */
import { ExecutionAlreadyExists, SendTaskSuccessCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ReviewOutcome, Workflow } from '../app/ports';
import { machineFor, type Route, type WorkflowMachine } from '../domain/workflow-route';

/** Answers meaning the wait already ended: decided by someone else, timed out, or the execution is gone. */
const ALREADY_DECIDED = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export class StepFunctionsWorkflow implements Workflow {
  constructor(
    private readonly client: SFNClient,
    /** Each machine's ARN. */
    private readonly stateMachineArns: Readonly<Record<WorkflowMachine, string>>,
  ) {}

  async start(sessionId: string, route?: Route): Promise<void> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArns[machineFor(route)],
          // The session id as the execution name makes a repeated start idempotent (the same route picks the same machine).
          name: sessionId,
          // The route sits at Payload, where Evaluate would have put it (see the session ASL's Route state).
          input: JSON.stringify(route ? { sessionId, Payload: route } : { sessionId }),
        }),
      );
    } catch (error) {
      // Same name, same input: the execution is already running, which is what we wanted.
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }

  async resume(token: string, outcome: ReviewOutcome): Promise<boolean> {
    try {
      await this.client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(outcome) }));
      return true;
    } catch (error) {
      if (ALREADY_DECIDED.has((error as { name?: string }).name ?? '')) return false;
      throw error;
    }
  }
}
