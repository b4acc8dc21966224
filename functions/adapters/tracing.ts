/**
 * X-Ray tracing of the AWS SDK clients through Powertools for AWS Lambda's Tracer: each call becomes a
 * subsegment of the invocation's trace. The Tracer turns itself off outside Lambda (the local runtime,
 * tests) and when POWERTOOLS_TRACE_ENABLED is false, leaving the client as it was.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

const tracer = new Tracer({ serviceName: 'accessgate' });

/** The client, with its calls traced when tracing is on. */
export const traced = <T>(client: T): T => tracer.captureAWSv3Client(client);
