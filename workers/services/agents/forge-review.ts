/**
 * The `review` forge tool: the agent account reviews the landing request whose comment or
 * landing event started the run (comment, approve or request changes, on its latest revision).
 * The right to review comes from the step's prompt declaring `review`, checked by the caller
 * (forge-run.ts); the agent account holds no role on the repository. Its approvals are shown
 * but never count towards branch protection's required approvals (reviews.ts).
 */
import { z } from 'zod';
import type { Db } from '../../../db/client';
import { AppError } from '../../../common/errors';
import { findLanding } from '../../../db/queries/landings';
import { recordReview } from '../landings/reviews';
import { agentAccountId } from './agent-account';
import { threadOf, type ForgeRun } from './forge-run';

export const reviewToolInput = z.object({
  step_id: z.string().min(1).max(200),
  event: z.enum(['approve', 'request_changes', 'comment']),
  body: z
    .string()
    .max(64 * 1024)
    .optional(),
});
export type ReviewToolInput = z.infer<typeof reviewToolInput>;

const EVENT = {
  approve: 'APPROVE',
  request_changes: 'REQUEST_CHANGES',
  comment: 'COMMENT',
} as const;

/** Records the agent's review on the run's landing; the review's id and the landing number. */
export async function agentReview(
  db: Db,
  f: ForgeRun,
  input: ReviewToolInput,
  origin: string,
  now: Date,
): Promise<{ id: string; number: number }> {
  const number = threadOf(f);
  const landing = await findLanding(db, f.repo.id, number);
  if (!landing) {
    throw AppError.forbidden(
      `#${number} is an issue, not a landing request: there is nothing to review`,
      'not_a_landing',
    );
  }
  const botId = await agentAccountId(db);
  const link = `${origin}/${f.repo.owner_login}/${f.repo.name}/actions/runs/${f.run.id}`;
  const body = (input.body ?? '').trim();
  const review = await recordReview(
    {
      db,
      actor: { user: { id: botId }, scopes: new Set(['repo:write']) },
      repo: f.repo,
      role: 'read',
      now,
    },
    landing,
    botId,
    {
      event: EVENT[input.event],
      ...(body || input.event !== 'approve'
        ? { body: body && `${body}\n\n<sub>Reviewed by [run ${f.run.run_number}](${link}).</sub>` }
        : {}),
    },
  );
  return { id: review.id, number };
}
