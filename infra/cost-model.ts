/**
 * AWS cost of what the local runtime counted (infra/local/usage-meter.ts), priced by infra/prices.ts.
 * Pure arithmetic: no I/O, no AWS types. Lambda time is the modelled duration per invocation
 * (MODEL.lambdaBilledMsPerInvocation) plus any time an invocation is known to hold a request open.
 */
import { memoryOf } from './function-memory';
import type { Usage } from './local/usage-meter';
import { MODEL, PRICES } from './prices';

export interface CostInput extends Usage {
  /** Milliseconds invocations of a function hold a request open (long-polls), billed on top of the model's duration per invocation. */
  readonly heldMs?: Readonly<Record<string, number>>;
  /** WebSocket API messages, both ways (each 32 KB counts as one). */
  readonly socketMessages?: number;
  /** WebSocket API connection-minutes. */
  readonly connectionMinutes?: number;
}

export interface Cost {
  readonly stepFunctions: number;
  readonly lambda: number;
  readonly dynamo: number;
  readonly api: number;
  readonly logs: number;
  readonly total: number;
}

export function lambdaGbSeconds(usage: CostInput): number {
  let gbSeconds = 0;
  for (const [name, count] of Object.entries(usage.invocations)) {
    gbSeconds += (count * MODEL.lambdaBilledMsPerInvocation / 1000) * (memoryOf(name) / 1024);
  }
  for (const [name, ms] of Object.entries(usage.heldMs ?? {})) gbSeconds += (ms / 1000) * (memoryOf(name) / 1024);
  return gbSeconds;
}

export function costOf(usage: CostInput): Cost {
  const invocations = Object.values(usage.invocations).reduce((sum, count) => sum + count, 0);
  const stepFunctions = usage.transitions * PRICES.stepFunctionsStandardPerTransition;
  const lambda = invocations * PRICES.lambdaPerRequest + lambdaGbSeconds(usage) * PRICES.lambdaArmPerGbSecond;
  const dynamo = usage.writeUnits * PRICES.dynamoPerWriteUnit + usage.readUnits * PRICES.dynamoPerReadUnit;
  const api =
    usage.apiRequests * PRICES.httpApiPerRequest +
    (usage.socketMessages ?? 0) * PRICES.webSocketPerMessage +
    (usage.connectionMinutes ?? 0) * PRICES.webSocketPerConnectionMinute;
  const logBytes = usage.logBytes + invocations * MODEL.lambdaPlatformLogBytesPerInvocation + usage.historyEvents * MODEL.stepFunctionsLogBytesPerHistoryEvent;
  const logs = (logBytes / 1024 ** 3) * PRICES.logsPerGbIngested;
  return { stepFunctions, lambda, dynamo, api, logs, total: stepFunctions + lambda + dynamo + api + logs };
}

/** Several counts added together (a scenario and the requests a waiting client adds to it). */
export function addUsage(...parts: CostInput[]): CostInput {
  const sum = (pick: (part: CostInput) => number) => parts.reduce((total, part) => total + pick(part), 0);
  const merge = (pick: (part: CostInput) => Readonly<Record<string, number>> | undefined) => {
    const out: Record<string, number> = {};
    for (const part of parts) for (const [name, value] of Object.entries(pick(part) ?? {})) out[name] = (out[name] ?? 0) + value;
    return out;
  };
  return {
    transitions: sum((p) => p.transitions),
    historyEvents: sum((p) => p.historyEvents),
    invocations: merge((p) => p.invocations),
    apiRequests: sum((p) => p.apiRequests),
    readUnits: sum((p) => p.readUnits),
    writeUnits: sum((p) => p.writeUnits),
    logBytes: sum((p) => p.logBytes),
    heldMs: merge((p) => p.heldMs),
    socketMessages: sum((p) => p.socketMessages ?? 0),
    connectionMinutes: sum((p) => p.connectionMinutes ?? 0),
  };
}

/** `usage` repeated `times` times (a waiting client's requests over an hour). */
export function scaleUsage(usage: CostInput, times: number): CostInput {
  const scale = (record: Readonly<Record<string, number>> | undefined) => Object.fromEntries(Object.entries(record ?? {}).map(([k, v]) => [k, v * times]));
  return {
    transitions: usage.transitions * times,
    historyEvents: usage.historyEvents * times,
    invocations: scale(usage.invocations),
    apiRequests: usage.apiRequests * times,
    readUnits: usage.readUnits * times,
    writeUnits: usage.writeUnits * times,
    logBytes: usage.logBytes * times,
    heldMs: scale(usage.heldMs),
    socketMessages: (usage.socketMessages ?? 0) * times,
    connectionMinutes: (usage.connectionMinutes ?? 0) * times,
  };
}
