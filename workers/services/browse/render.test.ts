/** Markdown sanitising, link resolution, highlighting and content typing. */
import { describe, expect, it } from 'vitest';
import { contentTypeOf, isActiveType, isBinary } from './content';
import { fillRefBase } from './data-tree';
import { highlightLines, splitHighlighted } from './highlight';
import { renderMarkdown, safeUrl } from './markdown';

describe('markdown', () => {
  it('renders GitHub-flavoured markdown', () => {
    const html = renderMarkdown(
      '# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\n~~old~~ https://example.com',
    );
    expect(html).toContain('<h1 id="title">Title</h1>');
    expect(html).toContain('<table>');
    expect(html).toContain('type="checkbox"');
    expect(html).toContain('<del>old</del>');
    expect(html).toContain('href="https://example.com"');
  });
  it('never passes raw HTML through', () => {
    const html = renderMarkdown(
      '<script>alert(1)</script>\n\nhi <img src=x onerror=alert(1)> <b onclick="x">b</b>\n\n<iframe src="//evil"></iframe>',
    );
    expect(html).not.toMatch(/<script|<img|<iframe|<b /i);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
  it('strips javascript:, data: and vbscript: URLs in every disguise', () => {
    for (const href of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'java\tscript:alert(1)',
      'javascript&#58;alert(1)',
      '&#106;avascript:alert(1)',
      'javascript&colon;alert(1)',
      ' javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox',
    ]) {
      expect(safeUrl(href), href).toBeUndefined();
      const html = renderMarkdown(`[x](${href}) ![y](${href}) <${href}>`);
      // The link text may remain as text; no attribute may carry the URL.
      expect(html, href).not.toMatch(/<a |<img |(href|src)=/i);
    }
    expect(safeUrl('https://a.example/x')).toBe('https://a.example/x');
    expect(safeUrl('mailto:a@b.c')).toBe('mailto:a@b.c');
    expect(safeUrl('docs/a.md#x')).toBe('docs/a.md#x');
  });
  it('escapes attributes and resolves relative links into the repository', () => {
    const html = renderMarkdown('[a](docs/a.md "t\\"x") ![i](img/p.png)', {
      resolve: (href, kind) => `/o/r/${kind === 'image' ? 'raw' : 'blob'}/main/${href}`,
    });
    expect(html).toContain('href="/o/r/blob/main/docs/a.md" title="t&quot;x"');
    expect(html).toContain('src="/o/r/raw/main/img/p.png"');
  });
  it('fills the ref placeholder of cached HTML', () => {
    expect(fillRefBase('<a href="plue-ref-base:blob/a.md">', '/o/r', 'feature/x y')).toBe(
      '<a href="/o/r/blob/feature/x%20y/a.md">',
    );
  });
});

describe('highlighting', () => {
  it('keeps spans balanced on every line', () => {
    const lines = splitHighlighted('<span class="c">/* a\nb */</span>\nx\n');
    expect(lines).toEqual(['<span class="c">/* a</span>', '<span class="c">b */</span>', 'x']);
  });
  it('highlights known languages and escapes the rest', () => {
    const ts = highlightLines('a.ts', 'const x = "<b>";\n// c\n');
    expect(ts.language).toBe('typescript');
    expect(ts.lines).toHaveLength(2);
    expect(ts.lines[0]).toContain('hljs-keyword');
    expect(ts.lines[0]).toContain('&lt;b&gt;');
    const plain = highlightLines('notes.unknown', '<script>\n');
    expect(plain.lines).toEqual(['&lt;script&gt;']);
  });
});

describe('content types', () => {
  it('detects binaries and marks active types', () => {
    expect(isBinary(new Uint8Array([1, 0, 2]))).toBe(true);
    expect(isBinary(new TextEncoder().encode('text'))).toBe(false);
    expect(contentTypeOf('a.png', new Uint8Array([0]))).toBe('image/png');
    expect(contentTypeOf('x', new Uint8Array([65]))).toBe('text/plain; charset=utf-8');
    expect(isActiveType(contentTypeOf('a.html', new Uint8Array()))).toBe(true);
    expect(isActiveType(contentTypeOf('a.svg', new Uint8Array()))).toBe(true);
    expect(isActiveType(contentTypeOf('a.txt', new Uint8Array()))).toBe(false);
  });
});
