// Prompt files and their type language: what parses, what each mistake says at which line, and
// truncated or random input answered with a PromptError, never another exception.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePromptFile, PromptError } from './prompt-file';
import { checkValue, formatType, jsonSchemaOf, parseValueType } from './value-types';

const GOOD = `---
name: review
model: fast
type: agent
inputs:
  diff: string
  severity: low | high
  limit: integer?
  tags: string[]
output:
  summary: string
  verdict: approve | request_changes
  score: float
  ok: boolean
  findings:
    - path: string
      line: integer?
tools: [read_file, grep]
max_turns: 12
---
Review {{ diff }}.
{% for t in tags %}- {{ t }}
{% endfor %}`;

describe('forge tools', () => {
  it('separates declared forge tools (safe outputs) from sandbox tools', () => {
    const p = parsePromptFile(
      '.plue/prompts/f.prompt.md',
      '---\nname: f\ntype: agent\ntools: [read_file, open_landing_request, shell, review, comment]\n---\nx',
    );
    expect(p.tools).toEqual(['read_file', 'shell']);
    expect(p.forgeTools).toEqual(['open_landing_request', 'review', 'comment']);
  });
});

function errorOf(text: string): PromptError {
  try {
    parsePromptFile('.plue/prompts/x.prompt.md', text);
  } catch (err) {
    if (err instanceof PromptError) return err;
    throw err;
  }
  throw new Error('parsed');
}

describe('prompt files', () => {
  it('parses frontmatter, types and the body with its first line', () => {
    const p = parsePromptFile('.plue/prompts/review.prompt.md', GOOD);
    expect(p).toMatchObject({
      name: 'review',
      model: 'fast',
      type: 'agent',
      tools: ['read_file', 'grep'],
      maxTurns: 12,
      bodyLine: 21,
    });
    expect(formatType(p.inputs.severity!)).toBe('low | high');
    expect(formatType(p.inputs.limit!)).toBe('integer?');
    expect(formatType(p.output!)).toBe(
      '{summary: string, verdict: approve | request_changes, score: float, ok: boolean, findings: {path: string, line: integer?}[]}',
    );
    expect(p.body.split('\n')[0]).toBe('Review {{ diff }}.');
    expect(GOOD.split('\n')[p.bodyLine - 1]).toBe('Review {{ diff }}.');
  });

  it('defaults: an llm without tools, an agent with every sandbox tool', () => {
    expect(parsePromptFile('p', '---\nname: a\n---\nx')).toMatchObject({
      type: 'llm',
      typeGiven: false,
      tools: [],
      toolsGiven: false,
      output: null,
      model: null,
    });
    expect(parsePromptFile('p', '---\nname: a\ntype: agent\n---\n').tools).toHaveLength(6);
    expect(parsePromptFile('p', '---\nname: a\ntools: [grep]\n---\n')).toMatchObject({
      type: 'agent',
      typeGiven: false,
      tools: ['grep'],
    });
  });

  it.each([
    ['name: a\n---\n', 1, 'starts with a "---" line'],
    ['---\nname: a\n', 3, 'not closed'],
    ['---\nname: a\nnope: 1\n---\n', 3, 'unknown key "nope"'],
    ['---\ntype: agent\n---\n', 2, 'name: a short name'],
    ['---\nname: a\ntype: robot\n---\n', 3, 'type must be llm or agent'],
    [
      '---\nname: a\ninputs:\n  x: string\n  y: str\n---\n',
      5,
      'input y: unknown type "str" (did you mean string?)',
    ],
    ['---\nname: a\noutput:\n  a: b |\n---\n', 4, 'invalid enum value ""'],
    ['---\nname: a\ntype: agent\ntools: [rm_rf]\n---\n', 4, 'unknown tool "rm_rf"'],
    ['---\nname: a\ntype: llm\ntools: [shell]\n---\n', 4, 'an llm prompt makes one call'],
    ['---\nname: a\nmax_turns: 0\n---\n', 3, 'max_turns must be an integer'],
    ['---\nname: a\nname: b\n---\n', 3, 'frontmatter:'],
    ['---\nname: [a\n---\n', 2, 'frontmatter:'],
    ['---\n- a\n---\n', 2, 'must be a YAML map'],
  ])('%j fails at line %i', (text, line, message) => {
    const err = errorOf(text);
    expect(err.line).toBe(line);
    expect(err.message).toContain(`.plue/prompts/x.prompt.md:${line}: `);
    expect(err.detail).toContain(message);
  });

  it('answers every truncation of a good file with a prompt or a PromptError', () => {
    for (let i = 0; i <= GOOD.length; i++) {
      try {
        parsePromptFile('p', GOOD.slice(0, i));
      } catch (err) {
        expect(err, `cut at ${i}`).toBeInstanceOf(PromptError);
      }
    }
  });

  it('answers random and mutated input with a PromptError', () => {
    for (let i = 0; i < 300; i++) {
      const bytes = randomBytes(1 + (i % 200));
      const mutated = GOOD.split('');
      for (let j = 0; j < 5; j++)
        mutated[((bytes[j] ?? 0) * 3) % mutated.length] = String.fromCharCode(bytes[j + 5] ?? 0);
      for (const text of [
        bytes.toString('latin1'),
        `---\n${bytes.toString('utf8')}\n---\n`,
        mutated.join(''),
      ]) {
        try {
          parsePromptFile('p', text);
        } catch (err) {
          expect(err).toBeInstanceOf(PromptError);
        }
      }
    }
  });

  it('refuses oversized files and deep or alias-bomb frontmatter cleanly', () => {
    expect(errorOf(`---\nname: a\n---\n${'x'.repeat(300_000)}`).detail).toContain('larger than');
    const deep = `---\nname: a\noutput: ${'{a: '.repeat(20)}string${'}'.repeat(20)}\n---\n`;
    expect(errorOf(deep).detail).toContain('deeper than');
    const bomb = `---\nname: a\nx: &a [1,1,1,1,1,1,1,1,1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n---\n`;
    expect(errorOf(bomb)).toBeInstanceOf(PromptError);
  });
});

describe('value types', () => {
  it('checks values and names every problem with its path', () => {
    const t = parseValueType({ a: 'integer', b: 'x | y', c: ['float?'], d: { e: 'boolean' } });
    expect(checkValue({ a: 1, b: 'x', c: [1.5, null], d: { e: true } }, t)).toEqual([]);
    expect(checkValue({ a: 1.5, b: 'z', c: 'no', d: {}, f: 1 }, t)).toEqual([
      '$.a: expected an integer, got number 1.5',
      '$.b: expected one of x, y, got string "z"',
      '$.c: expected a list, got string "no"',
      '$.d.e: expected true or false, got nothing',
      '$.f: unexpected field',
    ]);
  });

  it('gives the model a JSON Schema', () => {
    expect(jsonSchemaOf(parseValueType({ a: 'integer?', b: '(x | y)[]' }))).toEqual({
      type: 'object',
      properties: {
        a: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
        b: { type: 'array', items: { type: 'string', enum: ['x', 'y'] } },
      },
      required: ['b'],
      additionalProperties: false,
    });
  });

  it('refuses malformed type expressions', () => {
    for (const bad of [
      '',
      '?',
      '[]',
      'string??',
      'a | a',
      'a |',
      '(',
      'Map<string>',
      42,
      [],
      ['a', 'b'],
      {},
    ]) {
      expect(() => parseValueType(bad), JSON.stringify(bad)).toThrow();
    }
  });
});
