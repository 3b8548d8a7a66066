/**
 * A strict reader of EIP-4361 (Sign-In with Ethereum) messages, written from the EIP's ABNF:
 *
 *   [scheme "://"] domain " wants you to sign in with your Ethereum account:" LF
 *   address LF LF [statement LF] LF
 *   "URI: " uri LF "Version: " version LF "Chain ID: " chain-id LF "Nonce: " nonce LF
 *   "Issued At: " issued-at [LF "Expiration Time: " …] [LF "Not Before: " …]
 *   [LF "Request ID: " request-id] [LF "Resources:" *(LF "- " URI)]
 *
 * Every byte is printable ASCII or LF (no CR, NUL, bidi controls or other non-ASCII), fields
 * come in the grammar's order with exact separators, each field matches its rule (statement:
 * RFC 3986 reserved/unreserved characters and spaces; nonce: 8+ alphanumerics; dates: RFC 3339
 * date-time; request-id: pchar), and each has a length limit the EIP leaves to implementers.
 * Hand-written because viem's parser is lenient (it accepts any statement and unknown lines).
 */

export class SiweGrammarError extends Error {
  override name = 'SiweGrammarError';
}

/** Length limits per field (the EIP asks implementers to choose them). */
export const SIWE_LIMITS = {
  message: 4096,
  scheme: 32,
  domain: 255,
  statement: 512,
  uri: 1024,
  chainId: 16,
  nonce: 128,
  dateTime: 40,
  requestId: 200,
  resources: 16,
  resource: 1024,
} as const;

export interface SiweFields {
  scheme?: string;
  domain: string;
  address: string;
  statement?: string;
  uri: string;
  version: '1';
  chainId: number;
  nonce: string;
  issuedAt: Date;
  expirationTime?: Date;
  notBefore?: Date;
  requestId?: string;
  resources: string[];
}

const PREAMBLE = ' wants you to sign in with your Ethereum account:';
const ALNUM = 'A-Za-z0-9';
const UNRESERVED = `${ALNUM}\\-._~`;
const SUB_DELIMS = "!$&'()*+,;=";
const GEN_DELIMS = ':/?#\\[\\]@';
const esc = (s: string) => s.replace(/[\\\]^-]/g, (m) => `\\${m}`);

// Statement: *( reserved / unreserved / " " ).
const STATEMENT = new RegExp(`^[${UNRESERVED}${GEN_DELIMS}${esc(SUB_DELIMS)} ]*$`);
// request-id: *pchar, pchar = unreserved / pct-encoded / sub-delims / ":" / "@".
const REQUEST_ID = new RegExp(`^(?:[${UNRESERVED}${esc(SUB_DELIMS)}:@]|%[0-9A-Fa-f]{2})*$`);
// URI: scheme ":" then URI characters (RFC 3986 reserved, unreserved, percent-escapes).
const URI = new RegExp(
  `^[A-Za-z][A-Za-z0-9+.-]*:(?:[${UNRESERVED}${GEN_DELIMS}${esc(SUB_DELIMS)}]|%[0-9A-Fa-f]{2})*$`,
);
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
// domain = authority without userinfo (a userinfo "@" in the domain only serves phishing):
// a reg-name/IPv4 or a bracketed IPv6 literal, and an optional port.
const DOMAIN = /^(?:[A-Za-z0-9._~!$&'()*+,;=-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const ADDRESS = /^0x[0-9A-Fa-f]{40}$/;
const NONCE = /^[A-Za-z0-9]{8,}$/;
const CHAIN_ID = /^[0-9]+$/;
// RFC 3339 date-time: full-date "T" full-time, with a fraction and Z or a numeric offset.
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

const bad = (why: string): SiweGrammarError => new SiweGrammarError(why);

function limit(value: string, max: number, field: string): string {
  if (value.length > max) throw bad(`${field} is longer than ${max} characters`);
  return value;
}

/** Parses an RFC 3339 date-time with range checks on every part. */
export function parseDateTime(value: string, field: string): Date {
  limit(value, SIWE_LIMITS.dateTime, field);
  const m = DATE_TIME.exec(value);
  if (!m) throw bad(`${field} is not an RFC 3339 date-time`);
  const [, y, mo, d, h, mi, s, oh, om] = m.map((x) => (x === undefined ? 0 : Number(x)));
  const days = new Date(Date.UTC(y ?? 0, mo ?? 0, 0)).getUTCDate();
  const inRange =
    (mo ?? 0) >= 1 &&
    (mo ?? 0) <= 12 &&
    (d ?? 0) >= 1 &&
    (d ?? 0) <= days &&
    (h ?? 0) <= 23 &&
    (mi ?? 0) <= 59 &&
    (s ?? 0) <= 60 &&
    (oh ?? 0) <= 23 &&
    (om ?? 0) <= 59;
  const t = new Date(value.toUpperCase());
  if (!inRange || Number.isNaN(t.getTime())) throw bad(`${field} is not a valid date-time`);
  return t;
}

/** Reads the lines of a message one by one, each with an exact prefix. */
class Lines {
  private i = 0;
  constructor(private readonly lines: string[]) {}
  /** Whether every line was read. */
  get done(): boolean {
    return this.i >= this.lines.length;
  }
  peek(): string | undefined {
    return this.lines[this.i];
  }
  next(what: string): string {
    const line = this.lines[this.i];
    if (line === undefined) throw bad(`the message ends before ${what}`);
    this.i++;
    return line;
  }
  field(tag: string): string {
    const line = this.next(`"${tag}"`);
    if (!line.startsWith(tag)) throw bad(`expected "${tag.trim()}" but found another line`);
    return line.slice(tag.length);
  }
  optional(tag: string): string | undefined {
    const line = this.peek();
    return line !== undefined && line.startsWith(tag) ? this.field(tag) : undefined;
  }
}

/** Parses `text` as an EIP-4361 message; throws SiweGrammarError saying what is wrong. */
export function parseSiweMessageStrict(text: string): SiweFields {
  if (text.length === 0) throw bad('the message is empty');
  limit(text, SIWE_LIMITS.message, 'the message');
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch !== 0x0a && (ch < 0x20 || ch > 0x7e)) {
      throw bad(
        ch === 0x0d
          ? 'the message contains a carriage return (lines end with LF only)'
          : `the message contains a character outside printable ASCII (U+${ch.toString(16).toUpperCase().padStart(4, '0')})`,
      );
    }
  }
  const r = new Lines(text.split('\n'));
  const first = r.next('the first line');
  if (!first.endsWith(PREAMBLE))
    throw bad('the first line is not "<domain> wants you to sign in…"');
  let domain = first.slice(0, -PREAMBLE.length);
  let scheme: string | undefined;
  const sep = domain.indexOf('://');
  if (sep >= 0) {
    scheme = limit(domain.slice(0, sep), SIWE_LIMITS.scheme, 'the scheme');
    if (!SCHEME.test(scheme)) throw bad('the scheme is malformed');
    domain = domain.slice(sep + 3);
  }
  limit(domain, SIWE_LIMITS.domain, 'the domain');
  if (!DOMAIN.test(domain)) throw bad('the domain is not a host[:port] authority');
  const address = r.next('the address');
  if (!ADDRESS.test(address)) throw bad('the address is not 0x and 40 hex digits');
  if (r.next('the blank line after the address') !== '') {
    throw bad('a blank line must follow the address');
  }
  let statement: string | undefined;
  // Without a statement the ABNF has two blank lines; common libraries (viem) write one.
  const third = r.peek()?.startsWith('URI: ') ? '' : r.next('the statement or blank line');
  if (third !== '') {
    statement = limit(third, SIWE_LIMITS.statement, 'the statement');
    if (!STATEMENT.test(statement)) {
      throw bad('the statement may hold only URI characters (RFC 3986) and spaces');
    }
    if (r.next('the blank line after the statement') !== '') {
      throw bad('a blank line must follow the statement');
    }
  }
  const uri = limit(r.field('URI: '), SIWE_LIMITS.uri, 'the URI');
  if (!URI.test(uri)) throw bad('the URI is not an RFC 3986 URI');
  if (r.field('Version: ') !== '1') throw bad('the version must be 1');
  const chainText = limit(r.field('Chain ID: '), SIWE_LIMITS.chainId, 'the chain id');
  const chainId = Number(chainText);
  if (!CHAIN_ID.test(chainText) || !Number.isSafeInteger(chainId) || chainId < 1) {
    throw bad('the chain id is not a positive integer');
  }
  const nonce = limit(r.field('Nonce: '), SIWE_LIMITS.nonce, 'the nonce');
  if (!NONCE.test(nonce)) throw bad('the nonce must be at least 8 letters and digits');
  const issuedAt = parseDateTime(r.field('Issued At: '), 'Issued At');
  const exp = r.optional('Expiration Time: ');
  const nbf = r.optional('Not Before: ');
  const requestId = r.optional('Request ID: ');
  if (requestId !== undefined) {
    limit(requestId, SIWE_LIMITS.requestId, 'the request id');
    if (!REQUEST_ID.test(requestId)) throw bad('the request id may hold only URI path characters');
  }
  const resources: string[] = [];
  if (r.peek() === 'Resources:') {
    r.next('Resources');
    while (!r.done) {
      const res = r.field('- ');
      if (resources.length >= SIWE_LIMITS.resources) {
        throw bad(`more than ${SIWE_LIMITS.resources} resources`);
      }
      limit(res, SIWE_LIMITS.resource, 'a resource');
      if (!URI.test(res)) throw bad('a resource is not an RFC 3986 URI');
      resources.push(res);
    }
  }
  if (!r.done) throw bad('unexpected text after the last field');
  return {
    ...(scheme !== undefined ? { scheme } : {}),
    domain,
    address,
    ...(statement !== undefined ? { statement } : {}),
    uri,
    version: '1',
    chainId,
    nonce,
    issuedAt,
    ...(exp !== undefined ? { expirationTime: parseDateTime(exp, 'Expiration Time') } : {}),
    ...(nbf !== undefined ? { notBefore: parseDateTime(nbf, 'Not Before') } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
    resources,
  };
}
