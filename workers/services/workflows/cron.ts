/**
 * Cron expressions of `schedule` triggers, read by croner (a maintained, dependency-free cron
 * library): exactly 5 fields (minute hour day-of-month month day-of-week), UTC; numbers, names
 * (JAN…DEC, SUN…SAT, 7 also Sunday), `*` and `?`, ranges, steps (`*\/n`, `a-b/n`, and `a/n` from
 * `a` to the end, as before croner), lists. As in Vixie cron, when both day fields are
 * restricted a day matching either fires. `cronProblem` is what registration checks
 * (workflow-evaluation.ts); an expression it refuses never matches.
 */
import { Cron, type CronOptions } from 'croner';

const OPTIONS: CronOptions = { mode: '5-part', utcOffset: 0, sloppyRanges: true };

function parse(expr: string): Cron | string {
  try {
    // No callback: croner only reads the pattern and starts no timer.
    return new Cron(expr.trim(), OPTIONS);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return message.replace(/^CronPattern:\s*/, '');
  }
}

/** Why `expr` is not a 5-field cron expression, or undefined when it is one. */
export function cronProblem(expr: string): string | undefined {
  const p = parse(expr);
  return typeof p === 'string' ? p : undefined;
}

/** Whether `expr` fires at the minute of `at` (UTC). */
export function cronMatches(expr: string, at: Date): boolean {
  const p = parse(expr);
  if (typeof p === 'string') return false;
  const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
  return p.match(minute);
}
