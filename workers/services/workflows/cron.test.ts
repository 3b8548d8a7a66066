import { describe, expect, it } from 'vitest';
import { cronMatches } from './cron';

const at = (iso: string) => new Date(iso);

describe('cronMatches', () => {
  it('matches minutes, hours, steps, ranges, lists and names', () => {
    expect(cronMatches('* * * * *', at('2026-03-04T05:06:00Z'))).toBe(true);
    expect(cronMatches('0 3 * * *', at('2026-03-04T03:00:00Z'))).toBe(true);
    expect(cronMatches('0 3 * * *', at('2026-03-04T03:01:00Z'))).toBe(false);
    expect(cronMatches('*/15 * * * *', at('2026-03-04T03:45:00Z'))).toBe(true);
    expect(cronMatches('*/15 * * * *', at('2026-03-04T03:44:00Z'))).toBe(false);
    expect(cronMatches('10-20/5 * * * *', at('2026-03-04T03:15:00Z'))).toBe(true);
    expect(cronMatches('10-20/5 * * * *', at('2026-03-04T03:25:00Z'))).toBe(false);
    expect(cronMatches('0 9,17 * * *', at('2026-03-04T17:00:00Z'))).toBe(true);
    expect(cronMatches('0 0 1 JAN *', at('2026-01-01T00:00:00Z'))).toBe(true);
    expect(cronMatches('0 0 * * MON-FRI', at('2026-03-07T00:00:00Z'))).toBe(false); // Saturday
    expect(cronMatches('0 0 * * 7', at('2026-03-08T00:00:00Z'))).toBe(true); // Sunday as 7
  });

  it('fires on either day field when both are restricted', () => {
    expect(cronMatches('0 0 13 * FRI', at('2026-03-13T00:00:00Z'))).toBe(true);
    expect(cronMatches('0 0 13 * FRI', at('2026-03-06T00:00:00Z'))).toBe(true); // a Friday
    expect(cronMatches('0 0 13 * FRI', at('2026-03-07T00:00:00Z'))).toBe(false);
  });

  it('never matches what it cannot read', () => {
    for (const bad of ['', '* * * *', '60 * * * *', '*/0 * * * *', 'a b c d e', '5-1 * * * *']) {
      expect(cronMatches(bad, at('2026-03-04T05:06:00Z'))).toBe(false);
    }
  });
});
