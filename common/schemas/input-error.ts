/**
 * How a zod validation failure is told to a person: the first problem, led by the path of the
 * field it is about (`limit`, `files[2].error.line`). Shared by the Worker, which answers it as
 * an `invalid` error, and the Node programs, which check the Worker's answers with the same
 * schemas. Pure.
 */
import type { z } from 'zod';

/** A field path as written in JSON terms: `steps[2].id`; empty for the value itself. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** The first issue of `error` as `{field, message}`; `field` is '' when the whole value is wrong. */
export function firstIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { field: '', message: 'Invalid input' };
  return { field: fieldPath(issue.path), message: issue.message };
}

/** One line naming the field and what is wrong with it, e.g. `limit: must be at least 1`. */
export function describeInputError(error: z.ZodError, what = 'input'): string {
  const { field, message } = firstIssue(error);
  return field === '' ? `${what}: ${message}` : `${field}: ${message}`;
}
