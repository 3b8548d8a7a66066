import { describe, expect, it } from 'vitest';
import { cronMatches, cronProblem } from './cron';

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
    expect(cronMatches('0 0 * jan sun', at('2026-01-04T00:00:00Z'))).toBe(true); // any case
    expect(cronMatches('0 0 ? * *', at('2026-03-04T00:00:00Z'))).toBe(true);
    expect(cronMatches('5/20 * * * *', at('2026-03-04T03:45:00Z'))).toBe(true); // 5 to 59 by 20
    expect(cronMatches('5/20 * * * *', at('2026-03-04T03:40:00Z'))).toBe(false);
  });

  it('reads the time in UTC at the minute, whatever the seconds', () => {
    expect(cronMatches('0 3 * * *', at('2026-03-04T03:00:59.999Z'))).toBe(true);
    expect(cronMatches('0 3 * * *', at('2026-03-04T04:00:00+01:00'))).toBe(true);
    expect(cronMatches('0 3 * * *', at('2026-03-04T03:00:00+01:00'))).toBe(false);
  });

  it('fires on either day field when both are restricted', () => {
    expect(cronMatches('0 0 13 * FRI', at('2026-03-13T00:00:00Z'))).toBe(true);
    expect(cronMatches('0 0 13 * FRI', at('2026-03-06T00:00:00Z'))).toBe(true); // a Friday
    expect(cronMatches('0 0 13 * FRI', at('2026-03-07T00:00:00Z'))).toBe(false);
  });

  const BAD = [
    '',
    '* * * *',
    '* * * * * *',
    '60 * * * *',
    '*/0 * * * *',
    'a b c d e',
    '5-1 * * * *',
  ];

  it('never matches what it cannot read', () => {
    for (const bad of BAD) expect(cronMatches(bad, at('2026-03-04T05:06:00Z'))).toBe(false);
  });

  it('says what is wrong with an expression it cannot read, and nothing for a good one', () => {
    for (const good of ['* * * * *', '0 3 * * MON-FRI', '*/15 9-17 1,15 * *', '0 0 13 * FRI']) {
      expect(cronProblem(good), good).toBeUndefined();
    }
    for (const bad of BAD) expect(cronProblem(bad), bad).toMatch(/\w/);
    expect(cronProblem('60 * * * *')).toMatch(/minute/);
    expect(cronProblem('* * * * * *')).toMatch(/5 parts/);
    expect(cronProblem('5-1 * * * *')).not.toMatch(/^CronPattern/);
  });

  it('answers random expressions without throwing', () => {
    const atoms = ['*', '?', '0', '7', '59', '60', '-', '/', ',', 'MON', 'JAN', 'L', '#', 'x', ' '];
    let seed = 5;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 1000; i++) {
      const expr = Array.from({ length: rnd(14) }, () => atoms[rnd(atoms.length)]).join('');
      const problem = cronProblem(expr);
      const fires = cronMatches(expr, at('2026-03-04T05:06:00Z'));
      if (problem !== undefined) expect(fires, expr).toBe(false);
    }
  });
});
