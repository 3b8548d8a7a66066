/**
 * What a file is, from its name and first bytes: binary or text (git's rule: a NUL in the first
 * 8000 bytes), image, markdown, and the content type a raw download is served with. Active
 * content types (HTML, SVG, XML, JS) are marked so raw serving never renders them inline.
 */

const TYPES: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  json: 'application/json',
  js: 'text/javascript',
  mjs: 'text/javascript',
  ts: 'text/plain',
  tsx: 'text/plain',
  css: 'text/css',
  html: 'text/html',
  htm: 'text/html',
  xml: 'application/xml',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  ico: 'image/x-icon',
  avif: 'image/avif',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  wasm: 'application/wasm',
  csv: 'text/csv',
  yaml: 'text/plain',
  yml: 'text/plain',
  toml: 'text/plain',
  py: 'text/plain',
  go: 'text/plain',
  rs: 'text/plain',
  sh: 'text/plain',
  c: 'text/plain',
  h: 'text/plain',
};

/** Raster images shown inline on blob pages (SVG is not: it can carry script). */
const INLINE_IMAGES = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp', 'ico', 'avif']);

/** Types a browser would run or render as a document from our origin. */
const ACTIVE =
  /^(text\/html|image\/svg\+xml|application\/xml|text\/xml|text\/javascript|application\/xhtml)/;

export function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/** git's binary heuristic: a NUL byte in the first 8000 bytes. */
export function isBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8000);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

export function isInlineImage(name: string): boolean {
  return INLINE_IMAGES.has(extensionOf(name));
}

export function isMarkdown(name: string): boolean {
  return /^(md|markdown|mdown|mkd)$/.test(extensionOf(name));
}

/** The type a file is served with from /raw/, before the active-content rule. */
export function contentTypeOf(name: string, bytes: Uint8Array): string {
  const t = TYPES[extensionOf(name)];
  if (t) return t.startsWith('text/') || t === 'application/json' ? `${t}; charset=utf-8` : t;
  return isBinary(bytes) ? 'application/octet-stream' : 'text/plain; charset=utf-8';
}

/** Whether a type would be active content (script-capable) if rendered from our origin. */
export function isActiveType(type: string): boolean {
  return ACTIVE.test(type);
}
