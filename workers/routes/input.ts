/**
 * Request input through zod schemas: the query string, a JSON body or a submitted form, parsed
 * into the schema's type or refused with the `invalid` error kind. The message names the field
 * (`limit: must be at least 1`) and the code is `<field>_invalid` unless the caller names one;
 * middleware/errors.ts answers it as a 400 JSON error on the API and a readable page in the UI.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { AppError } from '../../common/errors';
import { parseInput, type InputCodes } from '../../common/schemas/parse';
import type { AppEnv } from '../env';

/** The request's JSON object body; a 400 for anything else. */
export async function jsonBody(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw AppError.invalid('The body must be a JSON object', 'body_invalid');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw AppError.invalid('The body must be a JSON object', 'body_invalid');
  }
  if (holdsNul(body)) {
    throw AppError.invalid('Text in the body must not contain NUL (\\u0000)', 'body_invalid');
  }
  return body as Record<string, unknown>;
}

/** Whether any key or string value, at any depth, holds a NUL (PostgreSQL cannot store it). */
function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (typeof value !== 'object' || value === null || depth > 32) return false;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\0') || holdsNul(v, depth + 1)) return true;
  }
  return false;
}

export { parseInput };

/** The query string (each parameter's first value) through `schema`. */
export function queryInput<S extends z.ZodType>(c: Context<AppEnv>, schema: S): z.output<S> {
  return parseInput(schema, c.req.query());
}

/** The JSON object body through `schema` (a body that is not a JSON object is `body_invalid`). */
export async function jsonInput<S extends z.ZodType>(
  c: Context<AppEnv>,
  schema: S,
  code?: InputCodes,
): Promise<z.output<S>> {
  return parseInput(schema, await jsonBody(c), code);
}

/** Like `jsonInput`, but an empty body counts as `{}` (e.g. a PUT whose fields all default). */
export async function optionalJsonInput<S extends z.ZodType>(
  c: Context<AppEnv>,
  schema: S,
): Promise<z.output<S>> {
  const text = await c.req.text();
  return parseInput(schema, text.trim() === '' ? {} : await jsonBody(c));
}

/** A submitted form (urlencoded or multipart; repeated fields as lists) through `schema`. */
export async function formInput<S extends z.ZodType>(
  c: Context<AppEnv>,
  schema: S,
): Promise<z.output<S>> {
  return parseInput(schema, await c.req.parseBody({ all: true }));
}

/** A whole number written in a query parameter or form field (≤ 15 digits: a safe integer). */
export function queryNumber(what: string) {
  return z
    .string()
    .regex(/^\d{1,15}$/, `must be ${what}`)
    .transform(Number);
}

/** A text field of a form (a file or a repeated field is refused). */
export const formText = z.string({ error: 'must be a single text value' });

/** `?page=` of the web UI's lists: 1 to 10,000, default 1. */
export const uiPageQuery = z.object({
  page: queryNumber('a page number')
    .refine((n) => n >= 1 && n <= 10_000, 'must be a page number from 1 to 10000')
    .default(1),
});
