/**
 * Syntax highlighting for blob pages with highlight.js core and a handful of common languages
 * (a fresh instance per call, so no library-global registry is touched). The highlighted HTML
 * is split into lines with open spans closed and reopened at each newline, so every line can
 * be its own numbered, anchorable row. Files past the limits are returned escaped, unhighlighted.
 */
import hljsCore from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import go from 'highlight.js/lib/languages/go';
import ini from 'highlight.js/lib/languages/ini';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import makefile from 'highlight.js/lib/languages/makefile';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { extensionOf } from './content';
import { escapeHtml } from './html';

const LANGUAGES = {
  bash,
  c,
  cpp,
  css,
  diff,
  dockerfile,
  go,
  ini,
  java,
  javascript,
  json,
  makefile,
  markdown,
  python,
  rust,
  sql,
  typescript,
  xml,
  yaml,
};
type Lang = keyof typeof LANGUAGES;

const BY_EXT: Record<string, Lang> = {
  sh: 'bash',
  bash: 'bash',
  zsh: 'bash',
  c: 'c',
  h: 'c',
  cc: 'cpp',
  cpp: 'cpp',
  hpp: 'cpp',
  cxx: 'cpp',
  css: 'css',
  diff: 'diff',
  patch: 'diff',
  go: 'go',
  ini: 'ini',
  toml: 'ini',
  cfg: 'ini',
  java: 'java',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascript',
  json: 'json',
  md: 'markdown',
  markdown: 'markdown',
  py: 'python',
  rs: 'rust',
  sql: 'sql',
  ts: 'typescript',
  tsx: 'typescript',
  mts: 'typescript',
  html: 'xml',
  htm: 'xml',
  xml: 'xml',
  svg: 'xml',
  yaml: 'yaml',
  yml: 'yaml',
};

/** The language of a file name, if we highlight it. */
export function languageOf(name: string): Lang | undefined {
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (base === 'Dockerfile') return 'dockerfile';
  if (base === 'Makefile' || base === 'GNUmakefile') return 'makefile';
  return BY_EXT[extensionOf(base)];
}

const MAX_BYTES = 512 * 1024;
const MAX_LINES = 20_000;

/** Splits highlighted HTML into lines, keeping span nesting balanced on every line. */
export function splitHighlighted(html: string): string[] {
  const lines: string[] = [];
  const open: string[] = [];
  let cur = '';
  let text = false;
  const re = /(<span[^>]*>)|(<\/span>)|(\n)|([^<\n]+|<)/g;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    if (m[1]) {
      open.push(m[1]);
      cur += m[1];
    } else if (m[2]) {
      open.pop();
      cur += m[2];
    } else if (m[3]) {
      lines.push(cur + '</span>'.repeat(open.length));
      cur = open.join('');
      text = false;
    } else {
      cur += m[4] ?? '';
      text = true;
    }
  }
  if (text || lines.length === 0) lines.push(cur + '</span>'.repeat(open.length));
  return lines;
}

/** Highlighted HTML per line (escaped plain lines when not highlighted). */
export function highlightLines(name: string, text: string): { lines: string[]; language?: string } {
  const lang = languageOf(name);
  const lineCount = text.split('\n', MAX_LINES + 1).length;
  if (lang && text.length <= MAX_BYTES && lineCount <= MAX_LINES) {
    const hljs = hljsCore.newInstance();
    for (const [k, def] of Object.entries(LANGUAGES)) hljs.registerLanguage(k, def);
    const res = hljs.highlight(text, { language: lang, ignoreIllegals: true });
    return { lines: splitHighlighted(res.value), language: lang };
  }
  const lines = text.split('\n').map(escapeHtml);
  if (text.endsWith('\n')) lines.pop();
  return { lines };
}
