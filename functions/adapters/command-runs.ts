/**
 * Where a command that needs no review runs (app/ports.ts CommandRuns). With a run function configured
 * (AWS, and the local runtime's Lambda stand-in) it is an asynchronous invocation: Lambda accepts the
 * event, runs it, retries it after a failure and, once it gives up, sends it to the run function's
 * failure destination, the reconciler (infra/constructs/workflow.ts). Without one, the session workflow
 * runs it on its execute route, as every session's workflow did before.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { CommandRuns, Workflow } from '../app/ports';

export class LambdaCommandRuns implements CommandRuns {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async start(sessionId: string): Promise<void> {
    await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify({ sessionId })),
      }),
    );
  }
}

export class WorkflowCommandRuns implements CommandRuns {
  constructor(private readonly workflow: Workflow) {}

  async start(sessionId: string): Promise<void> {
    await this.workflow.start(sessionId, { next: 'execute' });
  }
}
