/**
 * GitHub-flavoured markdown to safe HTML with `marked`. Safety is by construction rather than
 * by a sanitiser pass: raw HTML in the source is escaped (shown as text, never passed through),
 * and link/image URLs are decoded, stripped of control characters and allowed only for http(s),
 * mailto, fragments and relative paths, which `resolve` maps into the repository.
 */
import { Marked, type TokenizerAndRendererExtension, type Tokens } from 'marked';
import { highlightLines, languageOf } from './highlight';
import { escapeHtml } from './html';

export interface MarkdownOptions {
  /** Maps a relative link (`docs/a.md`) or image to a URL; absent: kept as written. */
  resolve?: (href: string, kind: 'link' | 'image') => string;
  /** Extra inline syntax (issue references and @mentions in issue text). */
  extensions?: TokenizerAndRendererExtension[];
}

const NAMED: Record<string, string> = { colon: ':', tab: '\t', newline: '\n', sol: '/', amp: '&' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (m, body: string) => {
    if (body[0] === '#') {
      const code =
        body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : Number(body.slice(1));
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : '';
    }
    return NAMED[body.toLowerCase()] ?? m;
  });
}

/** The URL to emit, or undefined when it is not allowed (javascript:, data:, vbscript:, …). */
export function safeUrl(href: string): string | undefined {
  let url = decodeEntities(href);
  try {
    url = decodeURI(url);
  } catch {
    /* keep as is */
  }
  // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:").
  const squashed = url.replace(/[\x00-\x20\x7f]/g, '');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(squashed);
  if (scheme && !/^(https?|mailto)$/i.test(scheme[1] ?? '')) return undefined;
  return url.trim();
}

/** Fence names that are not file extensions (```python) mapped to one highlight.ts knows. */
const FENCE_ALIASES: Record<string, string> = {
  python: 'py',
  typescript: 'ts',
  javascript: 'js',
  rust: 'rs',
  shell: 'sh',
  bash: 'sh',
  golang: 'go',
};

function isRelative(url: string): boolean {
  return !/^([a-z][a-z0-9+.-]*:|\/\/|#)/i.test(url);
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/&[a-z#0-9]+;/gi, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s+/g, '-');
}

/** Renders markdown to HTML that is safe to embed in a page. */
export function renderMarkdown(src: string, opts: MarkdownOptions = {}): string {
  const target = (href: string, kind: 'link' | 'image'): string | undefined => {
    const url = safeUrl(href);
    if (url === undefined) return undefined;
    return opts.resolve && isRelative(url) && url !== '' ? opts.resolve(url, kind) : url;
  };
  const marked = new Marked({ gfm: true, async: false });
  if (opts.extensions) marked.use({ extensions: opts.extensions });
  marked.use({
    renderer: {
      code({ text, lang }: Tokens.Code): string {
        // Fenced blocks naming a language we highlight (```ts) are highlighted like blobs.
        const word = (lang ?? '').split(/\s/)[0]?.toLowerCase() ?? '';
        const name = `code.${FENCE_ALIASES[word] ?? word}`;
        const known = lang ? languageOf(name) : undefined;
        const html = known ? highlightLines(name, text).lines.join('\n') : escapeHtml(text);
        const cls = known ? ` class="hljs language-${escapeHtml(known)}"` : '';
        return `<pre><code${cls}>${html}</code></pre>\n`;
      },
      html({ text }: Tokens.HTML | Tokens.Tag): string {
        return escapeHtml(text);
      },
      link({ href, title, tokens }: Tokens.Link): string {
        const text = this.parser.parseInline(tokens);
        const url = target(href, 'link');
        if (url === undefined) return text;
        const t = title ? ` title="${escapeHtml(title)}"` : '';
        const rel = /^https?:|^\/\//i.test(url) ? ' rel="nofollow noopener"' : '';
        return `<a href="${escapeHtml(url)}"${t}${rel}>${text}</a>`;
      },
      image({ href, title, text }: Tokens.Image): string {
        const url = target(href, 'image');
        if (url === undefined) return escapeHtml(text);
        const t = title ? ` title="${escapeHtml(title)}"` : '';
        return `<img src="${escapeHtml(url)}" alt="${escapeHtml(text)}"${t} loading="lazy">`;
      },
      heading({ tokens, depth }: Tokens.Heading): string {
        const inner = this.parser.parseInline(tokens);
        const id = slug(inner);
        return `<h${depth}${id ? ` id="${escapeHtml(id)}"` : ''}>${inner}</h${depth}>\n`;
      },
    },
  });
  return marked.parse(src, { async: false });
}
