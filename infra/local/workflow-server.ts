/**
 * A local endpoint speaking the Step Functions API (AWS JSON 1.0: POST with X-Amz-Target
 * "AWSStepFunctions.<Operation>") over the WorkflowRunner, so the handlers' real @aws-sdk/client-sfn
 * reaches it through AWS_ENDPOINT_URL_SFN. It serves the runner's two state machines and refuses any
 * other ARN with StateMachineDoesNotExist, as AWS does. Only the operations the product uses are served;
 * any other answers UnknownOperationException, as AWS does.
 */
import { createServer, type Server } from 'node:http';
import { TaskFailure, type WorkflowRunner } from './workflow-runner';
import { listenOnLoopback } from './listen';
import { readBody } from './read-body';

type Body = Record<string, unknown>;

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startWorkflowServer(runner: WorkflowRunner): Promise<{ url: string; close(): Promise<void> }> {
  const operations: Record<string, (body: Body) => Body> = {
    StartExecution(body) {
      const machine = runner.machineOf(String(body.stateMachineArn ?? ''));
      if (!machine) throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(body.stateMachineArn)}'`);
      const name = typeof body.name === 'string' && body.name ? body.name : crypto.randomUUID();
      if (name.length > 80) throw new ApiError('InvalidName', 'Invalid Name: execution names are 1-80 characters');
      try {
        const execution = runner.start(name, typeof body.input === 'string' ? body.input : '{}', machine);
        return { executionArn: execution.arn, startDate: execution.startDate.getTime() / 1000 };
      } catch (error) {
        if (error instanceof TaskFailure) throw new ApiError(error.name, error.message);
        throw error;
      }
    },
    DescribeExecution(body) {
      const execution = runner.execution(String(body.executionArn ?? ''));
      if (!execution) throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(body.executionArn)}'`);
      return {
        executionArn: execution.arn,
        stateMachineArn: execution.stateMachineArn,
        name: execution.name,
        status: execution.status,
        startDate: execution.startDate.getTime() / 1000,
        ...(execution.stopDate ? { stopDate: execution.stopDate.getTime() / 1000 } : {}),
        input: execution.input,
        ...(execution.output !== undefined ? { output: execution.output } : {}),
        ...(execution.error ? { error: execution.error, cause: execution.cause } : {}),
      };
    },
    SendTaskSuccess(body) {
      const token = String(body.taskToken ?? '');
      let output: unknown;
      try {
        output = JSON.parse(String(body.output ?? ''));
      } catch {
        throw new ApiError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
      }
      if (!runner.succeed(token, output)) throw new ApiError('TaskTimedOut', 'Task Timed Out: the task does not exist anymore');
      return {};
    },
    SendTaskFailure(body) {
      if (!runner.fail(String(body.taskToken ?? ''), String(body.error ?? ''), String(body.cause ?? ''))) {
        throw new ApiError('TaskTimedOut', 'Task Timed Out: the task does not exist anymore');
      }
      return {};
    },
    SendTaskHeartbeat(body) {
      if (!runner.isWaiting(String(body.taskToken ?? ''))) throw new ApiError('TaskTimedOut', 'Task Timed Out: the task does not exist anymore');
      return {};
    },
  };

  const server: Server = createServer(async (request, response) => {
    const send = (status: number, body: Body) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(body));
    };
    try {
      const target = String(request.headers['x-amz-target'] ?? '');
      const operation = operations[target.replace(/^AWSStepFunctions\./, '')];
      if (request.method !== 'POST' || !operation) throw new ApiError('UnknownOperationException', `Unknown operation ${target}`);
      const text = (await readBody(request)).toString('utf8');
      let body: Body;
      try {
        body = JSON.parse(text || '{}') as Body;
      } catch {
        throw new ApiError('SerializationException', 'The request body is not valid JSON');
      }
      send(200, operation(body));
    } catch (error) {
      if (error instanceof ApiError) send(400, { __type: error.type, message: error.message });
      else send(500, { __type: 'InternalFailure', message: (error as Error).message });
    }
  });
  return listenOnLoopback(server);
}
