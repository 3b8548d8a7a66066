/** Input schemas of the issue API and forms (zod), in GitHub's field names. */
import { z } from 'zod';

const title = z
  .string({ error: 'must be text' })
  .trim()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters');
const body = z.string({ error: 'must be text' }).max(65_536, 'must be at most 65536 characters');
const names = z.array(z.string().min(1).max(100)).max(50, 'must list at most 50');
/** A milestone number, or null for none. */
const milestone = z.union([z.number().int().min(1), z.null()], {
  error: 'must be a milestone number or null',
});

export const createIssueInput = z.object({
  title,
  body: body.nullish().transform((b) => b ?? ''),
  labels: names.optional(),
  assignees: names.optional(),
  milestone: milestone.optional(),
});
export type CreateIssueInput = z.output<typeof createIssueInput>;

export const updateIssueInput = z.object({
  title: title.optional(),
  body: body.nullish().transform((b) => b ?? undefined),
  state: z.enum(['open', 'closed'], { error: 'must be open or closed' }).optional(),
  state_reason: z
    .enum(['completed', 'not_planned', 'reopened'], {
      error: 'must be completed, not_planned or reopened',
    })
    .nullish(),
  labels: names.optional(),
  assignees: names.optional(),
  milestone: milestone.optional(),
});
export type UpdateIssueInput = Partial<z.output<typeof updateIssueInput>>;

export const commentInput = z.object({
  body: body.trim().min(1, 'must not be empty'),
});

export const lockInput = z.object({
  lock_reason: z
    .enum(['off-topic', 'too heated', 'resolved', 'spam'], {
      error: 'must be off-topic, too heated, resolved or spam',
    })
    .optional(),
});

export const labelsInput = z.object({ labels: names });
export const assigneesInput = z.object({ assignees: names });

const color = z
  .string({ error: 'must be six hexadecimal digits' })
  .regex(/^#?[0-9a-fA-F]{6}$/, 'must be six hexadecimal digits')
  .transform((c) => c.replace(/^#/, '').toLowerCase());
const labelName = z.string().trim().min(1, 'must not be empty').max(50, 'must be at most 50');
const labelDescription = z.string().max(100, 'must be at most 100 characters');

export const createLabelInput = z.object({
  name: labelName,
  color,
  description: labelDescription.default(''),
});
export const updateLabelInput = z.object({
  new_name: labelName.optional(),
  color: color.optional(),
  description: labelDescription.optional(),
});

const dueOn = z.union([z.iso.datetime({ offset: true }), z.iso.date(), z.null()], {
  error: 'must be an ISO 8601 date or null',
});
const milestoneTitle = z.string().trim().min(1, 'must not be empty').max(100);
export const createMilestoneInput = z.object({
  title: milestoneTitle,
  description: z.string().max(65_536).default(''),
  due_on: dueOn.optional(),
  state: z.enum(['open', 'closed']).optional(),
});
export const updateMilestoneInput = z.object({
  title: milestoneTitle.optional(),
  description: z.string().max(65_536).optional(),
  due_on: dueOn.optional(),
  state: z.enum(['open', 'closed']).optional(),
});

export const REACTIONS = [
  '+1',
  '-1',
  'laugh',
  'confused',
  'heart',
  'hooray',
  'rocket',
  'eyes',
] as const;
export const reactionInput = z.object({
  content: z.enum(REACTIONS, { error: `must be one of ${REACTIONS.join(', ')}` }),
});

export const transferInput = z.object({
  new_repository: z.string({ error: 'must be owner/name' }).min(3).max(201),
});
