/**
 * X-Ray on the SDK clients: on Lambda every client of a composition carries the Tracer's middleware,
 * so each AWS call is a subsegment; off Lambda (the local runtime, tests) the clients are untouched.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

async function middlewareOf() {
  const { awsClients } = await import('../../../functions/wiring');
  const clients = awsClients();
  return Object.fromEntries(Object.entries(clients).map(([name, client]) => [name, client.middlewareStack.identify().join(' ')]));
}

describe('tracing the AWS clients', () => {
  it('traces every client of a composition on Lambda', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'accessgate-evaluate');
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs22.x');
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
    const stacks = await middlewareOf();
    expect(Object.keys(stacks)).toEqual(['dynamo', 'sfn', 'rdsData', 'lambda', 'cognito', 'secrets']);
    for (const stack of Object.values(stacks)) expect(stack).toMatch(/XRaySDKInstrumentation/);
  });

  it('leaves them alone elsewhere', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', '');
    for (const stack of Object.values(await middlewareOf())) expect(stack).not.toMatch(/XRaySDKInstrumentation/);
  });
});
