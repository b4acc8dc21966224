/**
 * The one price table the cost model (infra/cost-model.ts) multiplies its counts by, and the few
 * modelling constants that stand in for what the local runtime cannot measure faithfully.
 *
 * Source: the AWS public pricing pages for US East (N. Virginia), on-demand, no free tier:
 * aws.amazon.com/step-functions/pricing, /lambda/pricing (Arm), /dynamodb/pricing/on-demand (after the
 * November 2024 reduction), /api-gateway/pricing (HTTP APIs and WebSocket APIs, first tier),
 * /cloudwatch/pricing (Logs, Standard ingestion). As of 2026-11-30. After changing a price, regenerate
 * docs/architecture.md's "Cost and speed" section with `npx tsx test/bench/cost-doc.ts`;
 * test/bench/cost-model.test.ts fails until it matches.
 */
export const PRICES_AS_OF = '2026-11-30';
export const PRICES_SOURCE = 'AWS public pricing pages, us-east-1, on-demand, free tier not applied';

export const PRICES = {
  /** Step Functions Standard: $0.025 per 1,000 state transitions. */
  stepFunctionsStandardPerTransition: 0.025 / 1_000,
  /** Step Functions Express: $1.00 per million requests, plus duration. */
  stepFunctionsExpressPerRequest: 1 / 1_000_000,
  /** Step Functions Express duration: $0.00001667 per GB-second (first tier), 64 MB, 100 ms minimum. */
  stepFunctionsExpressPerGbSecond: 0.00001667,
  /** Lambda on Arm (Graviton): $0.0000133334 per GB-second, billed per 1 ms. */
  lambdaArmPerGbSecond: 0.0000133334,
  /** Lambda: $0.20 per million requests. */
  lambdaPerRequest: 0.2 / 1_000_000,
  /** DynamoDB on-demand, Standard table class: $0.625 per million write request units. */
  dynamoPerWriteUnit: 0.625 / 1_000_000,
  /** DynamoDB on-demand: $0.125 per million read request units. */
  dynamoPerReadUnit: 0.125 / 1_000_000,
  /** API Gateway HTTP API: $1.00 per million requests (each 512 KB counted as one). */
  httpApiPerRequest: 1 / 1_000_000,
  /** API Gateway WebSocket API: $1.00 per million messages (32 KB increments). */
  webSocketPerMessage: 1 / 1_000_000,
  /** API Gateway WebSocket API: $0.25 per million connection-minutes. */
  webSocketPerConnectionMinute: 0.25 / 1_000_000,
  /** CloudWatch Logs, Standard class: $0.50 per GB ingested. */
  logsPerGbIngested: 0.5,
} as const;

/**
 * What the local runtime cannot measure honestly, modelled instead:
 * - local handler wall time on a shared 2-core machine varies several-fold from run to run and says
 *   little about a warm Lambda, so every invocation is billed a fixed duration; an invocation that
 *   holds a request open (a long-poll) is billed the time it holds instead;
 * - the Lambda platform writes START, END and REPORT lines to each function's log group;
 * - the state machine logs every execution history event at level ALL without execution data.
 */
export const MODEL = {
  lambdaBilledMsPerInvocation: 100,
  lambdaPlatformLogBytesPerInvocation: 350,
  stepFunctionsLogBytesPerHistoryEvent: 450,
} as const;
