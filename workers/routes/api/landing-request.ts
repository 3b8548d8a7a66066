/** What every landing API route starts from: the repository scope with its env, and the number. */
import type { Context } from 'hono';
import { AppError } from '../../../common/errors';
import type { AppEnv } from '../../env';
import type { LandingScope } from '../../services/landings/landings';
import { scopeOf } from './issue-request';

export async function landingScope(c: Context<AppEnv>): Promise<LandingScope> {
  return { ...(await scopeOf(c)), env: c.env };
}

/** A landing number in the path; anything else is 404. */
export function landingNumber(c: Context<AppEnv>): number {
  const raw = c.req.param('number') ?? '';
  if (!/^\d{1,9}$/.test(raw))
    throw AppError.notFound('Landing request not found', 'landing_not_found');
  return Number(raw);
}
