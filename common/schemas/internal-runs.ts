/**
 * Bodies of the internal run API (workers/routes/internal/runs.ts): creating a run (tests and
 * operators) and what an append of run events answers, which the runner controller reads
 * (runner-controller/controller/api.ts). The events themselves are checked by the run's
 * RunStream (`parseChunks`). Pure.
 */
import { z } from 'zod';

const text = (max: number) => z.string({ error: 'must be a string' }).max(max);

/** POST /internal/runs: the repository by id or by `owner` + `repo`, and the run to queue. */
export const createRunRequest = z
  .object({
    repo_id: z
      .union([z.string().regex(/^[1-9]\d{0,17}$/), z.number().int().positive()], {
        error: 'must be a repository id',
      })
      .transform(String)
      .optional(),
    owner: text(200).optional(),
    repo: text(200).optional(),
    workflow: text(200).optional(),
    workflow_name: text(200).optional(),
    workflow_file: text(500).optional(),
    path: text(500).optional(),
    event: text(100).optional(),
    head_sha: text(64).optional(),
    head_branch: text(1000).nullish(),
    plan: z.unknown().optional(),
  })
  .refine((b) => b.repo_id !== undefined || (b.owner !== undefined && b.repo !== undefined), {
    message: 'name the repository by repo_id or by owner and repo',
    path: ['repo_id'],
  });

/** What POST /internal/runs/:id/events answers; the controller needs `next_seq` (per step). */
export const appendAnswer = z.object({ next_seq: z.record(z.string(), z.number().int()) }).loose();
