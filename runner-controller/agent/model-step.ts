/**
 * Runs one `llm` or `agent` step of a plan: reads its prompt file inside the sandbox, parses it
 * (errors at file:line), checks the step's `vars` against the prompt's inputs before any model
 * call, renders the template in the sandbox (with `output_schema` injected), runs the model loop
 * (agent-loop.ts) and reports the outcome with the step's output and its accounting: turns,
 * tokens in and out, wall time and a cost estimate. The caller (run-plan.ts) emits
 * step_started / step_completed; this module emits the transcript between them.
 */
import type { ExecutorEvent } from '../executor/events';
import type { PlanStep } from '../executor/plan';
import type { StepRunOutcome, StepUsage } from '../executor/run-step';
import { runLoop, type LoopUsage } from './agent-loop';
import { outputEnvelope } from './agent-tools';
import { agentBudgetRefusal, forgeCaller, type ForgeEndpoint } from './forge-client';
import { parsePromptFile, PromptError, SANDBOX_TOOLS, type PromptFile } from './prompt-file';
import { ProviderError, resolveModel, type Provider } from './provider';
import { fileTool, renderTemplate, type SandboxSite } from './sandbox-calls';
import { Transcript } from './transcript';
import { checkValue, jsonSchemaOf } from './value-types';

/** A step's output travels in its step_completed event (one log chunk, at most 1 MiB). */
const MAX_OUTPUT_JSON = 256 * 1024;

export type ModelPlanStep = Extract<PlanStep, { type: 'llm' | 'agent' }>;

export interface ModelStepInput {
  step: ModelPlanStep;
  /** The step's vars with earlier steps' outputs already filled in. */
  vars: Record<string, unknown>;
  provider: Provider;
  site: SandboxSite;
  maskPatterns: string[];
  repo: string;
  /** Notices from the executor for the top of the step's log (e.g. a missing secret). */
  notices: string[];
  /** Where forge tools go (the Worker, with the run's token); absent outside a claimed run. */
  forge?: ForgeEndpoint | undefined;
  emit(e: ExecutorEvent): Promise<void>;
}

/** Runs the step; never throws (every failure becomes a failed step with a note). */
export async function runModelStep(input: ModelStepInput): Promise<StepRunOutcome> {
  const { step } = input;
  const started = performance.now();
  const transcript = new Transcript(step.id, input.maskPatterns, input.emit);
  const model = { id: '', usage: { turns: 0, input_tokens: 0, output_tokens: 0 } as LoopUsage };
  const outcome = (
    status: 'success' | 'failure' | 'cancelled' | 'timed_out',
    extra: Partial<StepRunOutcome>,
  ): StepRunOutcome => ({
    status,
    exitCode: null,
    durationMs: Math.round(performance.now() - started),
    usage: usageOf(input.provider, model.id, model.usage, performance.now() - started),
    ...extra,
  });
  try {
    for (const n of input.notices) await transcript.notice(n);
    // The repository's limits for model steps, judged by the Worker before any model call.
    const refusal = input.forge
      ? await agentBudgetRefusal(input.forge, step.id, input.site.signal)
      : undefined;
    if (refusal) {
      await transcript.notice(refusal);
      return outcome('failure', { note: refusal.slice(0, 500) });
    }
    const prompt = await loadPrompt(input.site, step);
    const problems = checkInputs(prompt, input.vars);
    if (problems.length > 0)
      throw new PromptError(step.prompt, null, `inputs: ${problems.join('; ')}`);
    const vars: Record<string, unknown> = Object.fromEntries(
      Object.keys(prompt.inputs).map((k) => [k, input.vars[k] ?? null]),
    );
    // A body without template syntax is the prompt as it is: no sandbox start for it.
    const rendered = !/\{[{%#]/.test(prompt.body)
      ? { text: prompt.body }
      : await renderTemplate(input.site, prompt.body, {
          ...vars,
          output_schema: prompt.output
            ? JSON.stringify(jsonSchemaOf(outputEnvelope(prompt.output)), null, 2)
            : '',
        });
    if ('error' in rendered) {
      throw new PromptError(
        step.prompt,
        rendered.line === null ? null : prompt.bodyLine + rendered.line - 1,
        rendered.error,
      );
    }
    model.id = resolveModel(input.provider.config, step.model ?? prompt.model);
    const maxTurns =
      prompt.type === 'llm'
        ? 2
        : Math.min(step.type === 'agent' ? step.max_turns : 40, prompt.maxTurns ?? 200);
    const result = await runLoop({
      prompt,
      rendered: rendered.text,
      model: model.id,
      maxTurns,
      provider: input.provider,
      site: input.site,
      transcript,
      signal: input.site.signal,
      context: { step: step.name, repo: input.repo },
      forge: input.forge ? forgeCaller(input.forge, step.id, input.site.signal) : undefined,
    });
    model.usage = result.usage;
    await transcript.endText();
    if (!result.ok) {
      await transcript.notice(result.error);
      return outcome('failure', { note: result.error });
    }
    const size = JSON.stringify(result.output ?? null).length;
    if (size > MAX_OUTPUT_JSON) {
      const note = `the output is ${size} bytes of JSON; at most ${MAX_OUTPUT_JSON}`;
      await transcript.notice(note);
      return outcome('failure', { note });
    }
    return outcome('success', { output: transcript.mask(result.output) });
  } catch (err) {
    await transcript.endText().catch(() => undefined);
    if (input.site.signal.aborted) return outcome('cancelled', {});
    const message =
      err instanceof PromptError || err instanceof ProviderError
        ? err.message
        : `agent error: ${err instanceof Error ? err.message : String(err)}`;
    await transcript.notice(message).catch(() => undefined);
    return outcome('failure', { note: message.slice(0, 500) });
  }
}

/** The prompt as this step runs it: its type, else the step's (ctx.llm / ctx.agent). */
async function loadPrompt(site: SandboxSite, step: ModelPlanStep): Promise<PromptFile> {
  const path = step.prompt;
  const read = await fileTool(site, 'read_file', { path });
  if (!read.ok) throw new PromptError(path, null, `cannot read the prompt file: ${read.text}`);
  const prompt = parsePromptFile(path, read.text);
  if (prompt.typeGiven && prompt.type !== step.type) {
    throw new PromptError(
      path,
      null,
      `the prompt is type ${prompt.type} but step ${step.name} is ctx.${step.type}; use ctx.${prompt.type} or change the prompt's type`,
    );
  }
  if (prompt.type === step.type) return prompt;
  // No type written: a ctx.agent step runs it as an agent with every tool unless it lists some.
  return {
    ...prompt,
    forgeTools: prompt.toolsGiven ? prompt.forgeTools : [],
    type: step.type,
    tools: prompt.toolsGiven ? prompt.tools : [...SANDBOX_TOOLS],
  };
}

/** Problems of `vars` against the prompt's inputs (every input checked, unknown vars refused). */
export function checkInputs(prompt: PromptFile, vars: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of Object.keys(vars)) {
    if (!(k in prompt.inputs))
      out.push(
        `vars.${k} is not an input of ${prompt.name} (inputs: ${Object.keys(prompt.inputs).join(', ') || 'none'})`,
      );
  }
  for (const [k, t] of Object.entries(prompt.inputs)) out.push(...checkValue(vars[k], t, k));
  return out;
}

function usageOf(provider: Provider, model: string, u: LoopUsage, wallMs: number): StepUsage {
  const price = provider.config.prices[model];
  return {
    model: model || null,
    turns: u.turns,
    input_tokens: u.input_tokens,
    output_tokens: u.output_tokens,
    wall_ms: Math.round(wallMs),
    cost_usd: price
      ? Math.round(((u.input_tokens * price[0] + u.output_tokens * price[1]) / 1e6) * 1e6) / 1e6
      : null,
  };
}
