/**
 * A workflow plan's steps as step rows (shared by run creation, run_started projection and the
 * controller's batched report). Pure; a malformed plan is an input error.
 */
import { STEP_ID } from '../../../durable-objects/formats';
import type { NewStep } from '../../../db/queries/runs';
import { AppError } from '../../../common/errors';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Step rows from a plan's `steps` (or a bare list); malformed entries are an input error. */
export function stepsOfPlan(plan: unknown): NewStep[] {
  const list = Array.isArray(plan) ? plan : isObject(plan) ? plan.steps : undefined;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw AppError.invalid('plan.steps must be a list', 'plan_invalid');
  const seen = new Set<string>();
  return list.map((s, i) => {
    const id = isObject(s) ? s.id : undefined;
    if (typeof id !== 'string' || !STEP_ID.test(id) || seen.has(id)) {
      throw AppError.invalid(`plan.steps[${i}].id must be a unique step id`, 'plan_invalid');
    }
    seen.add(id);
    const o = s as Record<string, unknown>;
    const deps = Array.isArray(o.depends_on)
      ? o.depends_on.filter((d) => typeof d === 'string')
      : [];
    return {
      stepId: id,
      name: typeof o.name === 'string' && o.name !== '' ? o.name.slice(0, 200) : id,
      type: typeof o.type === 'string' && /^[a-z_]{1,20}$/.test(o.type) ? o.type : 'run',
      dependsOn: deps as string[],
    };
  });
}
