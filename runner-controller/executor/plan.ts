/**
 * The plan format printed by `python3 -m plue.evaluate` (docs/workflows.md, "Plan JSON"), as
 * TypeScript types and a zod schema. The evaluator runs untrusted workflow code, so its output is
 * parsed and checked here (ids unique, dependencies known) before anything trusts it.
 */
import { z } from 'zod';

const trigger = z.object({ type: z.string() }).loose();

const stepBase = {
  id: z.string().min(1).max(120),
  name: z.string().min(1).max(100),
  env: z.record(z.string(), z.string()),
  secret_env: z.record(z.string(), z.string()).default({}),
  secrets: z.array(z.string()).default([]),
  depends_on: z.array(z.string()),
  timeout: z.number().int().positive(),
  continue_on_error: z.boolean(),
  network: z.boolean().default(false),
  line: z.number().int().nullable().default(null),
};

export const planStepSchema = z.discriminatedUnion('type', [
  z.object({ ...stepBase, type: z.literal('run'), cmd: z.string().min(1) }),
  z.object({
    ...stepBase,
    type: z.literal('llm'),
    prompt: z.string(),
    model: z.string().nullable().default(null),
    vars: z.record(z.string(), z.unknown()).default({}),
  }),
  z.object({
    ...stepBase,
    type: z.literal('agent'),
    prompt: z.string(),
    model: z.string().nullable().default(null),
    vars: z.record(z.string(), z.unknown()).default({}),
    max_turns: z.number().int().positive(),
  }),
]);

export const workflowPlanSchema = z.object({
  name: z.string().min(1),
  file: z.string(),
  line: z.number().int().nullable().default(null),
  triggers: z.array(trigger),
  image: z.string().nullable(),
  timeout: z.number().int().positive(),
  env: z.record(z.string(), z.string()),
  matched: z.boolean().nullable(),
  steps: z.array(planStepSchema).max(256).nullable(),
  /** `@workflow(memory=…, pids=…, cpus=…)`; unset fields take the controller's defaults. */
  limits: z
    .object({
      memory_bytes: z.number().int().positive().nullable().default(null),
      pids: z.number().int().positive().nullable().default(null),
      cpus: z.number().positive().nullable().default(null),
    })
    .nullable()
    .optional(),
  result: z
    .object({ status: z.enum(['success', 'failure']), message: z.string().nullable() })
    .nullable(),
});

export const evaluationSchema = z.union([
  z.object({ workflows: z.array(workflowPlanSchema).max(20) }),
  z.object({
    error: z.object({
      message: z.string(),
      file: z.string().nullable(),
      line: z.number().int().nullable(),
    }),
  }),
]);

export type PlanStep = z.infer<typeof planStepSchema>;
export type WorkflowPlan = z.infer<typeof workflowPlanSchema>;
export type Evaluation = z.infer<typeof evaluationSchema>;

/** Graph problems zod cannot see: duplicate ids, unknown dependencies. Null when fine. */
export function planProblem(plan: WorkflowPlan): string | null {
  const ids = new Set<string>();
  for (const step of plan.steps ?? []) {
    if (ids.has(step.id)) return `duplicate step id ${step.id}`;
    ids.add(step.id);
  }
  for (const step of plan.steps ?? []) {
    for (const dep of step.depends_on) {
      if (!ids.has(dep)) return `step ${step.id} depends on unknown step ${dep}`;
    }
  }
  return null;
}
