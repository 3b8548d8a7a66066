/**
 * Input through a zod schema, for the Worker's routes and services alike: the value as the
 * schema parses it, or the `invalid` error kind naming the first bad field (`name: must be 1–100
 * characters`). The code is `<field>_invalid`, a code the caller names for the whole input, or
 * the one a caller's map gives for the first bad top-level field (keeping established codes such
 * as `token_scopes_invalid`).
 */
import type { z } from 'zod';
import { AppError } from '../errors';
import { describeInputError, firstIssue } from './input-error';

export type InputCodes = string | Readonly<Record<string, string>>;

export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code?: InputCodes,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const top = /^[^.[]*/.exec(firstIssue(parsed.error).field)?.[0] ?? '';
  const named = typeof code === 'string' ? code : code?.[top];
  throw AppError.invalid(
    describeInputError(parsed.error),
    named ?? (top === '' ? 'input_invalid' : `${top}_invalid`),
  );
}
