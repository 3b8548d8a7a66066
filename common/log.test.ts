import { describe, expect, it } from 'vitest';
import { createLogger, logLevelOf } from './log';

describe('logger', () => {
  it('writes JSON lines at or above the configured level', () => {
    const lines: string[] = [];
    const log = createLogger({ requestId: 'r1' }, (l) => lines.push(l), 'warn');
    log.info('request', { path: '/' });
    log.warn('slow', { ms: 5 });
    log.error('boom');
    expect(
      lines.map((l) => JSON.parse(l) as { level: string; msg: string; requestId: string }),
    ).toMatchObject([
      { level: 'warn', msg: 'slow', requestId: 'r1', ms: 5 },
      { level: 'error', msg: 'boom', requestId: 'r1' },
    ]);
  });

  it('reads LOG_LEVEL, defaulting to info for unset or unknown values', () => {
    expect(logLevelOf(undefined)).toBe('info');
    expect(logLevelOf('loud')).toBe('info');
    expect(logLevelOf('error')).toBe('error');
    const lines: string[] = [];
    createLogger({}, (l) => lines.push(l)).info('x');
    expect(lines).toHaveLength(1);
  });
});
