/** Input schemas of the landings API and forms (zod), in GitHub's pulls field names. */
import { z } from 'zod';
import { CHANGE_PREFIX } from './change-source';

const title = z
  .string({ error: 'must be text' })
  .trim()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters');
const body = z.string({ error: 'must be text' }).max(65_536, 'must be at most 65536 characters');
const branch = z
  .string({ error: 'must be a branch name' })
  .trim()
  .min(1, 'must be a branch name')
  .max(255, 'must be at most 255 characters')
  .transform((b) => b.replace(/^refs\/heads\//, ''));
const changeId = z
  .string({ error: 'must be a change id' })
  .trim()
  .regex(
    CHANGE_PREFIX,
    'must be a jj change id (letters k–z; a unique prefix will do) or a Gerrit I… id',
  );

/** GitHub's `POST /pulls` (head, base, title, body, draft), plus `change_id` instead of `head`
 * (a change id or a unique prefix of one; a `head` that is no branch is tried as one too). */
export const createLandingInput = z
  .object({
    title: title.optional(),
    body: body.nullish().transform((b) => b ?? undefined),
    head: branch.optional(),
    change_id: changeId.optional(),
    base: branch,
    draft: z.boolean({ error: 'must be true or false' }).default(false),
  })
  .refine((v) => (v.head === undefined) !== (v.change_id === undefined), {
    message: 'give either head (a branch) or change_id',
    path: ['head'],
  });
export type CreateLandingInput = z.output<typeof createLandingInput>;

export const updateLandingInput = z.object({
  title: title.optional(),
  body: body.nullish().transform((b) => b ?? undefined),
  state: z.enum(['open', 'closed'], { error: 'must be open or closed' }).optional(),
  base: branch.optional(),
  draft: z.boolean({ error: 'must be true or false' }).optional(),
});
export type UpdateLandingInput = Partial<z.output<typeof updateLandingInput>>;

export const landingListQuery = z.object({
  state: z
    .enum(['open', 'closed', 'landed', 'all'], { error: 'must be open, closed, landed or all' })
    .default('open'),
});
