/**
 * The tools a model step may call, as the model sees them (name, description, JSON Schema) and
 * as they run: every input is checked against its schema before anything runs (a malformed or
 * ill-typed input becomes an `is_error` tool result, the loop goes on), then the file tools and
 * the shell run inside the step's sandbox (sandbox-calls.ts). `submit_output` is not a sandbox
 * tool: the loop handles it (the step's structured output).
 */
import type { ForgeTool, SandboxTool } from './prompt-file';
import { fileTool, shellTool, workspaceChanges, type SandboxSite } from './sandbox-calls';
import type { ToolParam } from './provider';
import { checkValue, jsonSchemaOf, parseValueType, type ValueType } from './value-types';

export const SUBMIT_OUTPUT = 'submit_output';
/** Bytes of a shell command's output kept for the model (the tail past it is dropped). */
const SHELL_OUTPUT_BYTES = 64 * 1024;
const DEFAULT_SHELL_TIMEOUT_S = 120;
const MAX_SHELL_TIMEOUT_S = 1800;

const DEFS: Record<SandboxTool, { description: string; input: ValueType }> = {
  read_file: {
    description: 'Read a text file of the workspace (path relative to the repository root).',
    input: parseValueType({ path: 'string' }),
  },
  write_file: {
    description: 'Create or overwrite a file of the workspace with the given content.',
    input: parseValueType({ path: 'string', content: 'string' }),
  },
  edit_file: {
    description:
      'Replace exactly one occurrence of old_string with new_string in a file. Fails when old_string does not occur, or occurs more than once (add context to make it unique).',
    input: parseValueType({ path: 'string', old_string: 'string', new_string: 'string' }),
  },
  list: {
    description:
      'List a directory of the workspace (recursive: every file below it, .git excluded).',
    input: parseValueType({ path: 'string?', recursive: 'boolean?' }),
  },
  grep: {
    description: 'Search files for a regular expression (Python syntax); answers path:line: text.',
    input: parseValueType({ pattern: 'string', path: 'string?' }),
  },
  shell: {
    description: `Run a shell command (sh -c) in the workspace; answers its exit code and output. timeout in seconds (default ${DEFAULT_SHELL_TIMEOUT_S}).`,
    input: parseValueType({ command: 'string', timeout: 'integer?' }),
  },
};

const FORGE_DEFS: Record<ForgeTool, { description: string; input: ValueType }> = {
  comment: {
    description:
      'Post a comment (markdown) on the issue or landing request this run answers, as the agent account. The forge adds a link to this run.',
    input: parseValueType({ body: 'string' }),
  },
  review: {
    description:
      'Review the landing request this run answers, as the agent account: approve, request_changes or comment, with a body (markdown). Your approval is advice: it does not count towards required approvals.',
    input: parseValueType({ event: 'approve | request_changes | comment', body: 'string?' }),
  },
  open_landing_request: {
    description:
      'Propose the changes you made to the workspace (every changed, added or deleted file) as a new landing request by the agent account, on a new branch, for a person to review and land. You cannot push; this is how your changes leave the sandbox.',
    input: parseValueType({ title: 'string', body: 'string?' }),
  },
};

/** Calls a forge tool through the Worker's API with the run's token (forge-client.ts). */
export interface ForgeCaller {
  call(tool: ForgeTool, input: Record<string, unknown>): Promise<ToolAnswer>;
}

/** The Messages API tool list for `tools`, plus submit_output when the step declares an output. */
export function toolParams(
  tools: SandboxTool[],
  output: ValueType | null,
  forgeTools: ForgeTool[] = [],
): ToolParam[] {
  const list: ToolParam[] = tools.map((name) => ({
    name,
    description: DEFS[name].description,
    input_schema: jsonSchemaOf(DEFS[name].input) as ToolParam['input_schema'],
  }));
  for (const name of forgeTools) {
    list.push({
      name,
      description: FORGE_DEFS[name].description,
      input_schema: jsonSchemaOf(FORGE_DEFS[name].input) as ToolParam['input_schema'],
    });
  }
  if (output) {
    list.push({
      name: SUBMIT_OUTPUT,
      description:
        'Submit the final output of this step. Call it once, when done; it must match the schema.',
      input_schema: jsonSchemaOf(outputEnvelope(output)) as ToolParam['input_schema'],
    });
  }
  return list;
}

/** A tool's input is an object: a non-object output type travels as `{value: …}`. */
export function outputEnvelope(output: ValueType): ValueType {
  return output.kind === 'object' ? output : { kind: 'object', fields: { value: output } };
}

/** The step's output from submit_output's input. */
export function unwrapOutput(output: ValueType, input: Record<string, unknown>): unknown {
  return output.kind === 'object' ? input : input.value;
}

export interface ToolAnswer {
  ok: boolean;
  /** What the model is told. */
  text: string;
  exitCode?: number | null;
}

/**
 * Runs a declared forge tool after checking its input; the server decides whether it may.
 * open_landing_request carries the workspace's changes, read in the sandbox at the call.
 */
export async function runForgeTool(
  forge: ForgeCaller | undefined,
  tool: ForgeTool,
  input: Record<string, unknown> | undefined,
  raw: string,
  site?: SandboxSite,
): Promise<ToolAnswer> {
  if (input === undefined) {
    return { ok: false, text: `the tool input is not a JSON object: ${raw.slice(0, 200)}` };
  }
  const problems = checkValue(input, FORGE_DEFS[tool].input, 'input');
  if (problems.length > 0) return { ok: false, text: `invalid input: ${problems.join('; ')}` };
  if (!forge) return { ok: false, text: `${tool} is not available in this run` };
  try {
    if (tool === 'open_landing_request') {
      if (!site) return { ok: false, text: `${tool} needs the workspace` };
      const files = await workspaceChanges(site);
      if (files.length === 0) return { ok: false, text: 'the workspace has no changes to propose' };
      return await forge.call(tool, { ...input, files });
    }
    return await forge.call(tool, input);
  } catch (err) {
    return {
      ok: false,
      text: `${tool} failed: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** Runs a sandbox tool after checking its input; never throws for a tool's own failure. */
export async function runTool(
  site: SandboxSite,
  allowed: SandboxTool[],
  name: string,
  input: Record<string, unknown> | undefined,
  raw: string,
): Promise<ToolAnswer> {
  if (!(allowed as string[]).includes(name)) {
    return {
      ok: false,
      text: `unknown tool ${JSON.stringify(name)}; available: ${allowed.join(', ')}`,
    };
  }
  if (input === undefined) {
    return { ok: false, text: `the tool input is not a JSON object: ${raw.slice(0, 200)}` };
  }
  const tool = name as SandboxTool;
  const problems = checkValue(input, DEFS[tool].input, 'input');
  if (problems.length > 0) return { ok: false, text: `invalid input: ${problems.join('; ')}` };
  if (tool === 'shell') {
    const seconds = Math.min(
      MAX_SHELL_TIMEOUT_S,
      Math.max(1, Number(input.timeout ?? DEFAULT_SHELL_TIMEOUT_S)),
    );
    const r = await shellTool(site, String(input.command), seconds * 1000, SHELL_OUTPUT_BYTES);
    const note = r.timedOut
      ? `\n[timed out after ${seconds} s]`
      : r.droppedBytes > 0
        ? `\n[${r.droppedBytes} more bytes of output not kept]`
        : '';
    return {
      ok: r.exitCode === 0 && !r.timedOut,
      text: `exit code ${r.exitCode ?? 'none'}\n${r.output}${note}`,
      exitCode: r.exitCode,
    };
  }
  const r = await fileTool(site, tool, input);
  return { ok: r.ok, text: r.text };
}
