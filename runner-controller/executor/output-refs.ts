/**
 * References to earlier steps' outputs inside a step's `vars`: the SDK writes
 * `review.output.summary` as `{"$output": {"step": "review", "path": ["summary"]}}` (and makes the
 * step depend on `review`). Before the step runs, each reference is replaced by the value it
 * names. Pure.
 */

type Ref = { step: string; path: (string | number)[] };

function refOf(v: unknown): Ref | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const r = o.$output;
  if (Object.keys(o).length !== 1 || r === null || typeof r !== 'object') return undefined;
  const { step, path } = r as Record<string, unknown>;
  if (typeof step !== 'string') return undefined;
  const p = Array.isArray(path) ? path : [];
  if (!p.every((x) => typeof x === 'string' || typeof x === 'number')) return undefined;
  return { step, path: p as (string | number)[] };
}

/** `vars` with every reference filled in, or the first reference that cannot be. */
export function resolveOutputRefs(
  vars: Record<string, unknown>,
  outputOf: (stepId: string) => unknown,
): { vars: Record<string, unknown> } | { error: string } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) {
    const ref = refOf(v);
    if (!ref) {
      out[k] = v;
      continue;
    }
    let value = outputOf(ref.step);
    const shown = [ref.step, 'output', ...ref.path].join('.');
    if (value === undefined)
      return { error: `vars.${k}: step ${ref.step} has no output (${shown})` };
    for (const part of ref.path) {
      if (value === null || value === undefined) break;
      if (typeof value !== 'object')
        return { error: `vars.${k}: ${shown}: ${String(part)} of a ${typeof value}` };
      value = (value as Record<string, unknown>)[String(part)];
    }
    out[k] = value ?? null;
  }
  return { vars: out };
}
