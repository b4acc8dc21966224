/**
 * Work handed to a Lambda function as an asynchronous invocation (InvocationType `Event`): the caller
 * waits only for Lambda to accept the event (tens of milliseconds); Lambda runs it, retries it after a
 * failure and, once it gives up, sends it to the function's failure destination or dead-letter queue.
 * The same on AWS and on the local runtime's Lambda stand-in.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

export abstract class LambdaEvents {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  /** Resolves once Lambda has accepted the event; the payload travels as JSON. */
  protected async invoke(payload: unknown): Promise<void> {
    await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(payload)),
      }),
    );
  }
}
