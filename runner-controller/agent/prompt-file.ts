/**
 * Parses a prompt file (`.plue/prompts/*.prompt.md`, docs/workflows.md "Prompts"): YAML
 * frontmatter between `---` lines, then a template body. The frontmatter names the prompt, its
 * logical model, its type (`llm`: one call with structured output; `agent`: a tool-use loop), its
 * typed inputs and output (value-types.ts), its tools and max_turns. Every problem is reported at
 * `file:line` (the line of the offending key or value), as workflow errors are. Pure: the caller
 * reads the file (inside the sandbox) and passes its text. The body is rendered elsewhere
 * (render.ts), inside the sandbox, since a template is code.
 */
import { LineCounter, parseDocument, isMap, isScalar, type Document } from 'yaml';
import { FIELD_NAME, parseValueType, TypeSyntaxError, type ValueType } from './value-types';

export const SANDBOX_TOOLS = [
  'read_file',
  'write_file',
  'edit_file',
  'list',
  'grep',
  'shell',
] as const;
export type SandboxTool = (typeof SANDBOX_TOOLS)[number];
/**
 * Forge tools act on the forge through the Worker's API with the run's token; listing one in
 * `tools:` is the prompt's declaration of that safe output, which the server checks again.
 */
export const FORGE_TOOLS = ['comment', 'review', 'open_landing_request'] as const;
export type ForgeTool = (typeof FORGE_TOOLS)[number];
const KEYS = new Set([
  'name',
  'description',
  'model',
  'type',
  'inputs',
  'output',
  'tools',
  'max_turns',
]);
const MAX_PROMPT_BYTES = 256 * 1024;

export interface PromptFile {
  file: string;
  name: string;
  model: string | null;
  type: 'llm' | 'agent';
  /** Whether `type` was written (else a ctx.agent step makes it an agent with every tool). */
  typeGiven: boolean;
  inputs: Record<string, ValueType>;
  /** null: free text (the step's output is the final text). */
  output: ValueType | null;
  tools: SandboxTool[];
  /** Forge tools the prompt declares (none unless listed: an agent has no forge tool by default). */
  forgeTools: ForgeTool[];
  toolsGiven: boolean;
  maxTurns: number | null;
  body: string;
  /** Line of the file where the body starts (template errors are reported against it). */
  bodyLine: number;
}

export class PromptError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly detail: string,
  ) {
    super(`${file}${line !== null ? `:${line}` : ''}: ${detail}`);
  }
}

/** Parses `text` (the content of `file`); throws PromptError at file:line. */
export function parsePromptFile(file: string, text: string): PromptFile {
  const fail = (line: number | null, detail: string): never => {
    throw new PromptError(file, line, detail);
  };
  if (new TextEncoder().encode(text).length > MAX_PROMPT_BYTES) {
    fail(null, `prompt file is larger than ${MAX_PROMPT_BYTES} bytes`);
  }
  const lines = text.split('\n');
  if ((lines[0] ?? '').replace(/\r$/, '') !== '---') {
    fail(
      1,
      'a prompt file starts with a "---" line, then YAML frontmatter, then "---" and the template',
    );
  }
  const end = lines.findIndex((l, i) => i > 0 && l.replace(/\r$/, '') === '---');
  if (end < 0) fail(lines.length, 'the frontmatter is not closed by a "---" line');
  const counter = new LineCounter();
  const doc = parseDocument(lines.slice(1, end).join('\n'), {
    lineCounter: counter,
    uniqueKeys: true,
  });
  const lineAt = (offset: number | undefined): number | null =>
    offset === undefined ? null : counter.linePos(offset).line + 1;
  const firstError = doc.errors[0];
  if (firstError)
    fail(lineAt(firstError.pos[0]), `frontmatter: ${firstError.message.split('\n')[0] ?? ''}`);
  if (!isMap(doc.contents)) fail(2, 'the frontmatter must be a YAML map (name: …, type: …)');
  const keyLine = (path: (string | number)[]): number | null => lineOfPath(doc, path, lineAt);
  let fm: Record<string, unknown> = {};
  try {
    fm = doc.toJS({ maxAliasCount: 10 }) as Record<string, unknown>;
  } catch (err) {
    fail(null, `frontmatter: ${err instanceof Error ? err.message : String(err)}`);
  }
  for (const key of Object.keys(fm)) {
    if (!KEYS.has(key))
      fail(keyLine([key]), `unknown key ${JSON.stringify(key)}; use ${[...KEYS].join(', ')}`);
  }
  const name = fm.name;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_. -]{0,99}$/.test(name)) {
    fail(
      keyLine(['name']) ?? 2,
      'name: a short name (letters, digits, - _ . and spaces) is required',
    );
  }
  // Without `type`, a prompt that lists tools is an agent's; else the step decides (model-step.ts).
  const typeGiven = fm.type !== undefined;
  const type = fm.type ?? (Array.isArray(fm.tools) && fm.tools.length > 0 ? 'agent' : 'llm');
  if (type !== 'llm' && type !== 'agent') fail(keyLine(['type']), 'type must be llm or agent');
  const model = fm.model ?? null;
  if (
    model !== null &&
    (typeof model !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/.test(model))
  ) {
    fail(keyLine(['model']), 'model must be a model name such as "default" or "claude-sonnet-4-5"');
  }
  const inputs: Record<string, ValueType> = {};
  if (fm.inputs !== undefined && fm.inputs !== null) {
    if (typeof fm.inputs !== 'object' || Array.isArray(fm.inputs)) {
      fail(keyLine(['inputs']), 'inputs must be a map of name: type');
    }
    for (const [k, spec] of Object.entries(fm.inputs as Record<string, unknown>)) {
      if (!FIELD_NAME.test(k))
        fail(keyLine(['inputs', k]), `invalid input name ${JSON.stringify(k)}`);
      inputs[k] = typeAt(spec, (sub) => keyLine(['inputs', k, ...sub]), fail, `input ${k}`);
    }
  }
  const output =
    fm.output === undefined || fm.output === null
      ? null
      : typeAt(fm.output, (sub) => keyLine(['output', ...sub]), fail, 'output');
  const { tools, forgeTools } = toolsOf(
    fm.tools,
    type as 'llm' | 'agent',
    (i) => keyLine(i === null ? ['tools'] : ['tools', i]),
    fail,
  );
  let maxTurns: number | null = null;
  if (fm.max_turns !== undefined) {
    const m = fm.max_turns;
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > 200) {
      fail(keyLine(['max_turns']), 'max_turns must be an integer between 1 and 200');
    }
    maxTurns = m as number;
  }
  return {
    file,
    name: name as string,
    model: model as string | null,
    type: type as 'llm' | 'agent',
    typeGiven,
    inputs,
    output,
    tools,
    forgeTools,
    toolsGiven: fm.tools !== undefined && fm.tools !== null,
    maxTurns,
    body: lines.slice(end + 1).join('\n'),
    bodyLine: end + 2,
  };
}

function typeAt(
  spec: unknown,
  line: (sub: (string | number)[]) => number | null,
  fail: (line: number | null, detail: string) => never,
  what: string,
): ValueType {
  try {
    return parseValueType(spec);
  } catch (err) {
    if (err instanceof TypeSyntaxError) {
      fail(
        line(err.path),
        `${[what, ...err.path.filter((p) => typeof p === 'string')].join('.')}: ${err.message}`,
      );
    }
    throw err;
  }
}

function toolsOf(
  value: unknown,
  type: 'llm' | 'agent',
  line: (i: number | null) => number | null,
  fail: (line: number | null, detail: string) => never,
): { tools: SandboxTool[]; forgeTools: ForgeTool[] } {
  if (value === undefined || value === null)
    return { tools: type === 'agent' ? [...SANDBOX_TOOLS] : [], forgeTools: [] };
  if (!Array.isArray(value))
    fail(line(null), `tools must be a list, e.g. [${SANDBOX_TOOLS.join(', ')}]`);
  if (type === 'llm' && (value as unknown[]).length > 0) {
    fail(line(null), 'an llm prompt makes one call and uses no tools; use type: agent');
  }
  const out: SandboxTool[] = [];
  const forge: ForgeTool[] = [];
  (value as unknown[]).forEach((t, i) => {
    if (typeof t === 'string' && (FORGE_TOOLS as readonly string[]).includes(t)) {
      if (!forge.includes(t as ForgeTool)) forge.push(t as ForgeTool);
      return;
    }
    if (typeof t !== 'string' || !(SANDBOX_TOOLS as readonly string[]).includes(t)) {
      fail(
        line(i),
        `unknown tool ${JSON.stringify(t)}; use ${[...SANDBOX_TOOLS, ...FORGE_TOOLS].join(', ')}`,
      );
    }
    if (!out.includes(t as SandboxTool)) out.push(t as SandboxTool);
  });
  return { tools: out, forgeTools: forge };
}

/** Line (1-based, within the frontmatter, plus the opening "---") of a key or list item. */
function lineOfPath(
  doc: Document,
  path: (string | number)[],
  lineAt: (offset: number | undefined) => number | null,
): number | null {
  let node: unknown = doc.contents;
  let line: number | null = null;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === part);
      if (!pair) break;
      const key = pair.key as { range?: [number, number, number] };
      line = lineAt(key.range?.[0]);
      node = pair.value;
    } else if (node && typeof node === 'object' && 'items' in node && typeof part === 'number') {
      const item = (node as { items: { range?: [number, number, number] }[] }).items[part];
      if (!item) break;
      line = lineAt(item.range?.[0]);
      node = item;
    } else break;
  }
  return line;
}
