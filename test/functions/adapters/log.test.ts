/**
 * The operational log: one JSON line per entry, the session id as correlation id, errors with their
 * message, and the level from POWERTOOLS_LOG_LEVEL.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { powertoolsLog } from '../../../functions/adapters/log';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function captured(): () => Record<string, unknown>[] {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return () => lines.flatMap((line) => line.split('\n')).filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the operational log', () => {
  it('writes structured lines correlated by the session they concern', () => {
    const lines = captured();
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
    const log = powertoolsLog(new Logger({ serviceName: 'accessgate' }));

    log.warn('could not queue the review request retry', { sessionId: 'session-1', error: new Error('Rate exceeded') });
    log.info('table export step', { exports: 2 });

    expect(lines()).toEqual([
      expect.objectContaining({ level: 'WARN', message: 'could not queue the review request retry', service: 'accessgate', correlation_id: 'session-1', sessionId: 'session-1', error: expect.objectContaining({ message: 'Rate exceeded' }) }),
      expect.objectContaining({ level: 'INFO', message: 'table export step', exports: 2 }),
    ]);
    expect(lines()[1]).not.toHaveProperty('correlation_id');
  });

  it('takes its level from POWERTOOLS_LOG_LEVEL', () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'ERROR');
    const lines = captured();
    const log = powertoolsLog(new Logger({ serviceName: 'accessgate' }));

    log.info('session changed', { sessionId: 's' });
    log.error('unhandled error', { error: new Error('boom') });

    expect(lines().map((line) => line.level)).toEqual(['ERROR']);
  });
});
