/**
 * Where a command that needs no review runs (app/ports.ts CommandRuns). With a run function configured
 * (AWS, and the local runtime's Lambda stand-in) it is an asynchronous invocation: Lambda accepts the
 * event, runs it, retries it after a failure and, once it gives up, sends it to the run function's
 * failure destination, the reconciler (infra/constructs/workflow.ts). Without one, the session workflow
 * runs it on its execute route, as every session's workflow did before.
 */
import type { CommandRuns, Workflow } from '../app/ports';
import { LambdaEvents } from './lambda-event';

export class LambdaCommandRuns extends LambdaEvents implements CommandRuns {
  start(sessionId: string): Promise<void> {
    return this.invoke({ sessionId });
  }
}

export class WorkflowCommandRuns implements CommandRuns {
  constructor(private readonly workflow: Workflow) {}

  async start(sessionId: string): Promise<void> {
    await this.workflow.start(sessionId, { next: 'execute' });
  }
}
