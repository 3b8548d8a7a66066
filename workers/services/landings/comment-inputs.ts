/** Input schemas of review comments and review requests (zod), in GitHub's pulls field names. */
import { z } from 'zod';

const body = z
  .string({ error: 'must be text' })
  .trim()
  .min(1, 'must not be empty')
  .max(65_536, 'must be at most 65536 characters');
const line = z.number({ error: 'must be a line number' }).int().min(1).max(10_000_000);

/**
 * A new comment: on `line` (or `start_line`..`line`) of `path` on `side` (LEFT: the revision's
 * base, RIGHT: its head) of `revision` (the latest when absent), or a reply (`in_reply_to`).
 */
export const lineCommentInput = z.union([
  z.object({
    body,
    in_reply_to: z.number({ error: 'must be a comment id' }).int().min(1),
  }),
  z.object({
    body,
    path: z.string({ error: 'must be a path' }).min(1).max(4096),
    line,
    start_line: line.optional(),
    side: z.enum(['LEFT', 'RIGHT'], { error: 'must be LEFT or RIGHT' }).default('RIGHT'),
    revision: z.number({ error: 'must be a revision number' }).int().min(1).optional(),
    commit_id: z
      .string()
      .regex(/^[0-9a-f]{40}$/, 'must be a commit id')
      .optional(),
  }),
]);
export type LineCommentInput = z.output<typeof lineCommentInput>;

export const lineCommentEditInput = z.object({ body });

export const reviewersInput = z.object({
  reviewers: z
    .array(z.string().min(1).max(100))
    .min(1, 'must name a reviewer')
    .max(50, 'must list at most 50'),
});
