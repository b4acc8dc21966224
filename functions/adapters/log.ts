/**
 * The operational log on Powertools for AWS Lambda's Logger: one JSON line per entry with the level,
 * the service (`accessgate`), the time and, when the entry concerns a session, the session id as
 * `correlation_id`. The level comes from POWERTOOLS_LOG_LEVEL (or Lambda's own log level control),
 * which the Logger reads itself; INFO when unset.
 *
 * The correlation id travels with each entry rather than as logger state, so invocations that run at
 * the same time in one process (the local runtime) never lend each other their session id.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../app/ports';

/** The Logger every composition of this process writes through; it holds no per-invocation state. */
export const logger = new Logger({ serviceName: 'accessgate' });

/** Errors as an operator wants them: the message, and the stack for the unexpected. */
const serializable = (details: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(details).map(([key, value]) => [key, value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value]));

export function powertoolsLog(target: Logger = logger): Log {
  const entry = (details: Record<string, unknown> = {}) => ({
    ...(typeof details.sessionId === 'string' ? { correlation_id: details.sessionId } : {}),
    ...serializable(details),
  });
  return {
    info: (message, details) => target.info(message, entry(details)),
    warn: (message, details) => target.warn(message, entry(details)),
    error: (message, details) => target.error(message, entry(details)),
  };
}
