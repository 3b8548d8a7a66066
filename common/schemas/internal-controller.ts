/**
 * Bodies of the runner controller's internal API (workers/routes/internal/controller.ts): what
 * the controller sends, checked by the Worker, and what the Worker answers to a claim, checked by
 * the controller (runner-controller/controller/api.ts). Every write after a claim carries the
 * lease `{lease_owner, lease_epoch}`. Pure.
 */
import { z } from 'zod';

/** How a run or step ended. */
export const CONCLUSIONS = ['success', 'failure', 'cancelled', 'skipped', 'timed_out'] as const;
export type Conclusion = (typeof CONCLUSIONS)[number];
export const conclusionSchema = z.enum(CONCLUSIONS, {
  error: `must be one of ${CONCLUSIONS.join(', ')}`,
});

const leaseFields = {
  lease_owner: z.string({ error: 'is required' }).min(1, 'is required').max(200),
  lease_epoch: z.union([z.string(), z.number()], { error: 'is required' }).transform(String),
};

/** A lease length in seconds; the Worker uses its default for one outside 2–600. */
const leaseSeconds = z.number({ error: 'must be a number of seconds' }).optional();

/** POST …/events/claim and …/runs/claim. */
export const claimRequest = z.object({
  owner: z
    .string({ error: 'the controller id is required' })
    .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'must be the controller id (letters, digits, . _ : -)'),
  lease_seconds: leaseSeconds,
  /** Claim only work of this user's repositories (a dedicated runner pool, tests). */
  repo_owner: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,39}$/, 'must be a user name')
    .nullish()
    .transform((v) => v ?? undefined),
  /** Long poll: hold the claim up to this many seconds (0–25) until work is queued. */
  wait_seconds: z
    .number({ error: 'must be a number of seconds' })
    .min(0, 'must be 0 to 25')
    .max(25, 'must be 0 to 25')
    .optional(),
});

/** POST …/events/:id/fail. */
export const failEventRequest = z.object({
  ...leaseFields,
  error: z.string().optional(),
});

/** POST …/runs/:id/heartbeat. */
export const heartbeatRequest = z.object({ ...leaseFields, lease_seconds: leaseSeconds });

/** POST …/runs/:id/complete: the run's conclusion and each step's (unknown statuses: derived). */
export const completeRunRequest = z.object({
  ...leaseFields,
  conclusion: conclusionSchema,
  steps: z
    .record(
      z.string(),
      z.object({ status: z.string().optional(), exit_code: z.number().nullish() }),
    )
    .optional(),
  message: z.string().optional(),
});

/** POST …/schedule (tests): the minute whose schedule events to record; default now. */
export const scheduleRequest = z.object({
  at: z
    .string()
    .refine((s) => !Number.isNaN(new Date(s).getTime()), 'must be an ISO time')
    .optional(),
});

const evaluationError = z.object({
  message: z.string().max(10_000),
  file: z.string().nullable().optional(),
  line: z.number().int().nullable().optional(),
});

const evaluatedWorkflow = z
  .object({
    name: z.string().min(1).max(200),
    line: z.number().int().nullable().optional(),
    triggers: z.array(z.unknown()).max(50),
    matched: z.boolean().nullable(),
    steps: z.array(z.unknown()).max(256).nullable(),
  })
  .loose();

/** POST …/events/:id/evaluation: per workflow file, its workflows or the error that stopped it. */
export const evaluationReport = z.object({
  ...leaseFields,
  sha: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'must be a commit id'),
  files: z
    .array(
      z.object({
        file: z.string().min(1).max(500),
        workflows: z.array(evaluatedWorkflow).max(20).optional(),
        error: evaluationError.optional(),
        log: z
          .string()
          .max(64 * 1024)
          .optional(),
      }),
    )
    .max(50),
});

/** Reports of one batch request: the controller sends more in further requests. */
export const EVALUATION_BATCH_MAX = 200;

/** The run claim a batch of reports may carry (as POST …/runs/claim, never held). */
export const batchClaim = claimRequest.omit({ wait_seconds: true });

/**
 * POST …/events/evaluations: many events' reports (each fenced by its own lease) and, with
 * `claim`, one run claimed for that controller once they are recorded.
 */
export const evaluationBatch = z.object({
  reports: z
    .array(
      evaluationReport.extend({
        event_id: z.number({ error: 'must be an event id' }).int().positive(),
      }),
    )
    .min(1, 'must hold at least one report')
    .max(EVALUATION_BATCH_MAX, `at most ${EVALUATION_BATCH_MAX} reports per request`),
  claim: batchClaim.optional(),
});

const leaseAnswer = z.object({
  owner: z.string(),
  epoch: z.union([z.string(), z.number()]).transform(String),
  seconds: z.number(),
});

/** Paths the Worker may name in `workflow_files`: nothing the controller would write elsewhere. */
const safeSegments = (p: string) => p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
const workflowPath = z
  .string()
  .regex(/^\.plue\/workflows\/[^/\0]+\.py$/)
  .refine(safeSegments);
const promptPath = z
  .string()
  .regex(/^\.plue\/prompts\/[^\0]+$/)
  .max(1024)
  .refine(safeSegments);

/** One claimed event: what it is, the SDK's view of it and its lease. */
const claimedEvent = z.object({
  event: z.object({
    id: z.number().int(),
    type: z.string(),
    ref: z.string(),
    sha: z.string(),
    actor_id: z.number().int().nullable(),
    repo: z.object({ id: z.number().int(), full_name: z.string(), default_branch: z.string() }),
  }),
  sdk_event: z.record(z.string(), z.unknown()),
  lease: leaseAnswer,
});

/** The answer to an event claim (200; a 204 means nothing is pending). */
export const claimedEventAnswer = claimedEvent.extend({
  /** Reads the event's repository over git (`event-<id>` as the Basic user) while the claim
   *  holds, and for a minute after the event is reported (services/runs/job-credentials.ts). */
  token: z.string().min(1),
  /**
   * Other push events at the same commit claimed with this one (one push of many branches): one
   * checkout and one evaluation of the workflow files serve them all; each is reported on its own.
   */
  siblings: z.array(claimedEvent).max(1000).optional(),
  /**
   * The commit's `.plue/workflows/*.py` (base64) and `.plue/prompts/**` paths, when they are plain
   * files within the Worker's limits (services/workflows/workflow-files.ts): evaluation can start
   * without the checkout. Absent: evaluate from the checkout.
   */
  workflow_files: z
    .object({
      commit: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/),
      workflows: z
        .array(z.object({ path: workflowPath, oid: z.string(), content: z.string() }))
        .max(50),
      prompts: z.array(z.object({ path: promptPath, oid: z.string() })).max(500),
    })
    .optional(),
});

/** The answer to a run claim (200; a 204 means nothing is queued). */
export const claimedRunAnswer = z.object({
  run: z.object({
    id: z.number().int(),
    run_number: z.number().int(),
    workflow_name: z.string(),
    event: z.string(),
    head_sha: z.string(),
    head_branch: z.string().nullable(),
    attempt: z.number().int(),
    actor_id: z.number().int().nullable(),
    plan: z.unknown(),
  }),
  repo: z.object({ id: z.number().int(), full_name: z.string() }),
  token: z.string().min(1),
  secrets: z.record(z.string(), z.string()),
  lease: leaseAnswer,
});

/**
 * The answer to a batch of reports: per event (in the order sent) the runs it created, or why it
 * was refused (`lease_lost`: the event is finished or its lease is another's); and the run
 * claimed when the request asked for one and one was queued.
 */
export const evaluationBatchAnswer = z.object({
  results: z.array(
    z.object({
      event_id: z.number().int(),
      runs: z.array(z.object({ id: z.number().int(), name: z.string() })).optional(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  ),
  run: claimedRunAnswer.optional(),
});

/** The answer to a heartbeat. */
export const heartbeatAnswer = z.object({ cancel_requested: z.boolean() });
