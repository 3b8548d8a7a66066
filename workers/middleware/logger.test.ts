import { describe, expect, it } from 'vitest';
import { requestLevel } from './logger';

describe('request log level', () => {
  it('logs a controller claim that found nothing at debug, everything else at info', () => {
    expect(requestLevel('POST', '/internal/controller/runs/claim', 204)).toBe('debug');
    expect(requestLevel('POST', '/internal/controller/events/claim', 204)).toBe('debug');
    expect(requestLevel('POST', '/internal/controller/runs/claim', 200)).toBe('info');
    expect(requestLevel('GET', '/api/v1/health', 204)).toBe('info');
    expect(requestLevel('POST', '/internal/runs/1/events', 204)).toBe('info');
  });

  it("logs npm start's schedule tick at debug unless it failed", () => {
    expect(requestLevel('POST', '/internal/controller/tick', 200)).toBe('debug');
    expect(requestLevel('POST', '/internal/controller/tick', 500)).toBe('info');
    expect(requestLevel('POST', '/internal/controller/sweep', 200)).toBe('info');
  });
});
