/**
 * The small type language of prompt files' `inputs` and `output` (docs/workflows.md, "Prompts"):
 * `string`, `integer`, `float`, `boolean`, `T?` (may be null or absent), `T[]`, enums `a | b`,
 * and nested objects written as YAML maps of field → type. Parsing a type expression, checking a
 * value against a type (every problem with its path), and the JSON Schema the model is given.
 * Pure; no I/O.
 */

export type ValueType =
  | { kind: 'string' | 'integer' | 'float' | 'boolean' }
  | { kind: 'enum'; values: string[] }
  | { kind: 'optional'; of: ValueType }
  | { kind: 'array'; of: ValueType }
  | { kind: 'object'; fields: Record<string, ValueType> };

export class TypeSyntaxError extends Error {
  /** Where inside a nested type (field names, list item 0), for the error's line. */
  path: (string | number)[] = [];
}

function within<T>(part: string | number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof TypeSyntaxError) err.path.unshift(part);
    throw err;
  }
}

const SCALARS = new Set(['string', 'integer', 'float', 'boolean']);
const ENUM_VALUE = /^[A-Za-z0-9_.-]{1,64}$/;
export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_DEPTH = 8;

/** Parses `string`, `integer[]`, `low | high`, `string?`… (a YAML map is an object type). */
export function parseValueType(spec: unknown, depth = 0): ValueType {
  if (depth > MAX_DEPTH) throw new TypeSyntaxError(`types nest deeper than ${MAX_DEPTH} levels`);
  if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
    const fields: Record<string, ValueType> = {};
    for (const [name, inner] of Object.entries(spec)) {
      if (!FIELD_NAME.test(name)) throw new TypeSyntaxError(`invalid field name ${quote(name)}`);
      fields[name] = within(name, () => parseValueType(inner, depth + 1));
    }
    if (Object.keys(fields).length === 0) throw new TypeSyntaxError('an object needs fields');
    return { kind: 'object', fields };
  }
  if (Array.isArray(spec)) {
    // `[T]` in YAML: a list of T (the way to write a list of objects).
    if (spec.length !== 1)
      throw new TypeSyntaxError('a list type is written [T], with one item type');
    return { kind: 'array', of: within(0, () => parseValueType(spec[0], depth + 1)) };
  }
  if (typeof spec !== 'string') {
    throw new TypeSyntaxError(
      `a type is a string such as "string", "integer[]" or "a | b", or a map of fields; got ${quote(spec)}`,
    );
  }
  return parseExpression(spec.trim(), depth);
}

function parseExpression(text: string, depth: number): ValueType {
  if (text === '') throw new TypeSyntaxError('empty type');
  if (text.endsWith('?')) {
    const of = parseExpression(text.slice(0, -1).trim(), depth + 1);
    if (of.kind === 'optional') throw new TypeSyntaxError(`${quote(text)}: "??" is not a type`);
    return { kind: 'optional', of };
  }
  if (text.endsWith('[]'))
    return { kind: 'array', of: parseExpression(text.slice(0, -2), depth + 1) };
  if (text.startsWith('(') && text.endsWith(')'))
    return parseExpression(text.slice(1, -1).trim(), depth + 1);
  if (text.includes('|')) {
    const values = text.split('|').map((v) => v.trim());
    for (const v of values) {
      if (!ENUM_VALUE.test(v))
        throw new TypeSyntaxError(`invalid enum value ${quote(v)} in ${quote(text)}`);
    }
    if (new Set(values).size !== values.length)
      throw new TypeSyntaxError(`repeated enum value in ${quote(text)}`);
    return { kind: 'enum', values };
  }
  if (SCALARS.has(text)) return { kind: text as 'string' };
  const hint = (
    { str: 'string', int: 'integer', number: 'float', bool: 'boolean' } as Record<string, string>
  )[text];
  throw new TypeSyntaxError(
    `unknown type ${quote(text)}${hint ? ` (did you mean ${hint}?)` : ''}; use string, integer, float, boolean, T?, T[], a | b or a map`,
  );
}

function quote(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return JSON.stringify((s ?? String(v)).slice(0, 80));
}

/** Every way `value` does not fit `type`, as "path: problem"; empty when it fits. */
export function checkValue(value: unknown, type: ValueType, path = '$'): string[] {
  switch (type.kind) {
    case 'optional':
      return value === null || value === undefined ? [] : checkValue(value, type.of, path);
    case 'string':
      return typeof value === 'string'
        ? []
        : [`${path}: expected a string, got ${describe(value)}`];
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value)
        ? []
        : [`${path}: expected an integer, got ${describe(value)}`];
    case 'float':
      return typeof value === 'number' && Number.isFinite(value)
        ? []
        : [`${path}: expected a number, got ${describe(value)}`];
    case 'boolean':
      return typeof value === 'boolean'
        ? []
        : [`${path}: expected true or false, got ${describe(value)}`];
    case 'enum':
      return typeof value === 'string' && type.values.includes(value)
        ? []
        : [`${path}: expected one of ${type.values.join(', ')}, got ${describe(value)}`];
    case 'array':
      if (!Array.isArray(value)) return [`${path}: expected a list, got ${describe(value)}`];
      return value.flatMap((v, i) => checkValue(v, type.of, `${path}[${i}]`));
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return [`${path}: expected an object, got ${describe(value)}`];
      }
      const o = value as Record<string, unknown>;
      const out: string[] = [];
      for (const [k, t] of Object.entries(type.fields))
        out.push(...checkValue(o[k], t, `${path}.${k}`));
      for (const k of Object.keys(o))
        if (!(k in type.fields)) out.push(`${path}.${k}: unexpected field`);
      return out;
    }
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return `${typeof v} ${s.length > 40 ? `${s.slice(0, 40)}…` : s}`;
}

/** JSON Schema of `type` (for the model: tool input schemas and the injected output schema). */
export function jsonSchemaOf(type: ValueType): Record<string, unknown> {
  switch (type.kind) {
    case 'string':
      return { type: 'string' };
    case 'integer':
      return { type: 'integer' };
    case 'float':
      return { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'enum':
      return { type: 'string', enum: type.values };
    case 'optional':
      return { anyOf: [jsonSchemaOf(type.of), { type: 'null' }] };
    case 'array':
      return { type: 'array', items: jsonSchemaOf(type.of) };
    case 'object':
      return {
        type: 'object',
        properties: Object.fromEntries(
          Object.entries(type.fields).map(([k, t]) => [k, jsonSchemaOf(t)]),
        ),
        required: Object.entries(type.fields)
          .filter(([, t]) => t.kind !== 'optional')
          .map(([k]) => k),
        additionalProperties: false,
      };
  }
}

/** The type written back in the prompt file's notation (`string[]`, `{a: integer}`). */
export function formatType(type: ValueType): string {
  switch (type.kind) {
    case 'enum':
      return type.values.join(' | ');
    case 'optional':
      return `${wrap(type.of)}?`;
    case 'array':
      return `${wrap(type.of)}[]`;
    case 'object':
      return `{${Object.entries(type.fields)
        .map(([k, t]) => `${k}: ${formatType(t)}`)
        .join(', ')}}`;
    default:
      return type.kind;
  }
}

function wrap(t: ValueType): string {
  return t.kind === 'enum' ? `(${formatType(t)})` : formatType(t);
}
