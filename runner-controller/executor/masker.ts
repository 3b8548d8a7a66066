/**
 * Secret masking for step output (docs/design/sandbox.md §2.8): every secret value, each line of a
 * multi-line value, and its Base64 (at the three byte offsets it can sit at inside a longer encoded
 * string), URL-encoded and JSON-escaped forms are replaced with `***`. A stream masker holds back a
 * tail that could be the start of a secret, so a value split across two chunks is still caught.
 * Best effort against a hostile step (it can print the secret reversed); the real control is not
 * handing secrets to untrusted steps.
 */

export const MASK = '***';
/** Exact values shorter than this are not masked: they would blank out ordinary text. */
export const MIN_SECRET_LENGTH = 3;
/** Derived forms (lines, encodings) shorter than this are not masked. */
const MIN_VARIANT_LENGTH = 4;

/** All strings to mask for `secrets`, longest first. */
export function maskPatterns(secrets: Iterable<string>): string[] {
  const out = new Set<string>();
  const add = (s: string, min: number) => {
    if (s.length >= min) out.add(s);
  };
  for (const value of secrets) {
    add(value, MIN_SECRET_LENGTH);
    if (value.length < MIN_SECRET_LENGTH) continue;
    for (const line of value.split(/\r?\n/)) add(line.trim(), MIN_VARIANT_LENGTH);
    const bytes = Buffer.from(value, 'utf8');
    for (let k = 0; k < 3; k++) {
      // Characters of base64(k unknown bytes + value) that depend on the value only.
      const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
      add(encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6)), 6);
    }
    add(encodeURIComponent(value), MIN_VARIANT_LENGTH);
    add(JSON.stringify(value).slice(1, -1), MIN_VARIANT_LENGTH);
  }
  return [...out].sort((a, b) => b.length - a.length);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Masks one stream of text; call `push` per chunk and `flush` at the end. */
export class StreamMasker {
  private pending = '';
  private readonly regex: RegExp | null;
  private readonly maxLen: number;

  constructor(private readonly patterns: string[]) {
    this.regex = patterns.length ? new RegExp(patterns.map(escapeRegExp).join('|'), 'g') : null;
    this.maxLen = patterns.reduce((m, p) => Math.max(m, p.length), 0);
  }

  /** Masked text that is safe to emit now; a possible secret prefix at the end is held back. */
  push(text: string): string {
    if (!this.regex) return text;
    const all = this.pending + text;
    let hold = all.length;
    for (let i = Math.max(0, all.length - this.maxLen + 1); i < all.length; i++) {
      const tail = all.slice(i);
      if (this.patterns.some((p) => p.length > tail.length && p.startsWith(tail))) {
        hold = i;
        break;
      }
    }
    let out = '';
    let last = 0;
    this.regex.lastIndex = 0;
    for (const m of all.matchAll(this.regex)) {
      if (m.index >= hold) break;
      out += all.slice(last, m.index) + MASK;
      last = m.index + m[0].length;
    }
    const cut = Math.max(hold, last);
    out += all.slice(last, cut);
    this.pending = all.slice(cut);
    return out;
  }

  /** Everything still held back, masked. */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    if (!this.regex || rest === '') return rest;
    return rest.replace(this.regex, MASK);
  }
}

/** Mask a complete string in one go. */
export function maskAll(text: string, patterns: string[]): string {
  const m = new StreamMasker(patterns);
  return m.push(text) + m.flush();
}
