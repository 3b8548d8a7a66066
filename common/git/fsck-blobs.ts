/**
 * fsck of the blobs git reads as configuration: `.gitmodules` (submodule names, URLs, paths and
 * update commands that have let a clone run commands or write outside the repository; git's
 * gitmodulesName, gitmodulesUrl, gitmodulesPath, gitmodulesUpdate) and `.gitattributes` (lines
 * too long for git to parse). Written anew from git's fsck.c and submodule-config.c. The config
 * reader is a small subset of git's: enough to find `submodule.<name>.<key>` values the way git
 * does; what it cannot read ends the scan with gitmodulesParse, which git only warns about.
 * URL checks follow check_submodule_url except URL normalisation, of which only the newline
 * check is kept.
 */
import type { FsckProblem } from './fsck';

/** git's ATTR_MAX_LINE_LENGTH and ATTR_MAX_FILE_SIZE. */
const ATTR_MAX_LINE_LENGTH = 2048;
const ATTR_MAX_FILE_SIZE = 100 * 1024 * 1024;

/** Checks a `.gitattributes` blob. */
export function fsckGitattributes(body: Uint8Array): FsckProblem[] {
  if (body.length > ATTR_MAX_FILE_SIZE)
    return [
      { id: 'gitattributesLarge', error: true, message: '.gitattributes too large to parse' },
    ];
  let start = 0;
  // git stops at a NUL (it reads the blob as a C string).
  const end = body.indexOf(0) >= 0 ? body.indexOf(0) : body.length;
  while (start < end) {
    let eol = body.indexOf(0x0a, start);
    if (eol < 0 || eol > end) eol = end;
    if (eol - start >= ATTR_MAX_LINE_LENGTH)
      return [
        {
          id: 'gitattributesLineLength',
          error: true,
          message: '.gitattributes has too long lines to parse',
        },
      ];
    start = eol + 1;
  }
  return [];
}

/** Whether a submodule name has a `..` path component (either slash separates). */
export function badSubmoduleName(name: string): boolean {
  if (name.length === 0) return true;
  return name.split(/[/\\]/).some((part) => part === '..');
}

function urlDecode(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Whether git's check_submodule_url refuses `url`. */
export function badSubmoduleUrl(url: string): boolean {
  if (url.startsWith('-')) return true;
  const relative = url.startsWith('./') || url.startsWith('../');
  if (relative || url.startsWith('git://')) {
    if (urlDecode(url).includes('\n')) return true;
    // Leading "../" that escape to ":" or "/" can rewrite the host of the superproject's URL.
    let rest = url;
    let dotdots = 0;
    for (;;) {
      if (rest.startsWith('../')) {
        dotdots++;
        rest = rest.slice(3);
      } else if (rest.startsWith('./')) rest = rest.slice(2);
      else break;
    }
    return dotdots > 0 && (rest.startsWith(':') || rest.startsWith('/'));
  }
  const curl =
    /^(?:https?|ftps?)::(.*)$/s.exec(url)?.[1] ??
    (/^(?:https?|ftps?):\/\//.test(url) ? url : undefined);
  if (curl !== undefined) return urlDecode(curl).includes('\n');
  return false;
}

/** A variable of a git config file: `section.subsection.key` parts and its value. */
interface ConfigVar {
  section: string;
  subsection: string | undefined;
  key: string;
  value: string | undefined;
}

class ConfigSyntaxError extends Error {}

/** Reads git config text, calling `onVar` per variable; throws ConfigSyntaxError at bad syntax. */
function readConfig(text: string, onVar: (v: ConfigVar) => void): void {
  let i = 0;
  const n = text.length;
  let section: string | undefined;
  let subsection: string | undefined;
  const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r';
  const isKeyChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9-]/.test(c);
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < n) {
    const c = text[i];
    if (c === '\n' || isSpace(c)) {
      i++;
      continue;
    }
    if (c === '#' || c === ';') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '[') {
      i++;
      let name = '';
      while (i < n && /[A-Za-z0-9.-]/.test(text[i] as string)) name += text[i++];
      subsection = undefined;
      if (text[i] === ']') {
        // Old form [section.sub]: the subsection is case-insensitive.
        const dot = name.indexOf('.');
        if (dot >= 0) {
          subsection = name.slice(dot + 1).toLowerCase();
          name = name.slice(0, dot);
        }
        i++;
      } else {
        while (isSpace(text[i])) i++;
        if (text[i] !== '"') throw new ConfigSyntaxError('bad section header');
        i++;
        let sub = '';
        for (;;) {
          const d = text[i++];
          if (d === undefined || d === '\n') throw new ConfigSyntaxError('bad subsection');
          if (d === '"') break;
          if (d === '\\') {
            const e = text[i++];
            if (e === undefined || e === '\n') throw new ConfigSyntaxError('bad subsection');
            sub += e;
          } else sub += d;
        }
        if (text[i] !== ']') throw new ConfigSyntaxError('bad section header');
        i++;
        subsection = sub;
      }
      if (name.length === 0) throw new ConfigSyntaxError('empty section name');
      section = name.toLowerCase();
      continue;
    }
    if (!/[A-Za-z]/.test(c as string)) throw new ConfigSyntaxError('bad variable name');
    if (section === undefined) throw new ConfigSyntaxError('variable outside a section');
    let key = '';
    while (isKeyChar(text[i])) key += text[i++];
    while (isSpace(text[i])) i++;
    let value: string | undefined;
    if (text[i] === '=') {
      i++;
      let out = '';
      let pending = '';
      let quoted = false;
      let started = false;
      for (;;) {
        const d = text[i++];
        if (d === undefined) break;
        if (d === '\n') {
          if (quoted) throw new ConfigSyntaxError('newline in quotes');
          break;
        }
        if (!quoted && (d === ';' || d === '#')) {
          while (i < n && text[i] !== '\n') i++;
          continue;
        }
        if (!quoted && isSpace(d)) {
          if (started) pending += ' ';
          continue;
        }
        started = true;
        out += pending;
        pending = '';
        if (d === '\\') {
          const e = text[i++];
          if (e === '\n') continue;
          if (e === 'n') out += '\n';
          else if (e === 't') out += '\t';
          else if (e === 'b') out = out.slice(0, -1);
          else if (e === '\\' || e === '"') out += e;
          else throw new ConfigSyntaxError('bad escape');
        } else if (d === '"') quoted = !quoted;
        else out += d;
      }
      if (quoted) throw new ConfigSyntaxError('unterminated quote');
      value = out;
    } else if (text[i] !== '\n' && text[i] !== undefined && text[i] !== '#' && text[i] !== ';') {
      throw new ConfigSyntaxError('bad variable line');
    } else {
      while (i < n && text[i] !== '\n') i++;
    }
    onVar({ section, subsection, key: key.toLowerCase(), value });
  }
}

/** Checks a `.gitmodules` blob. */
export function fsckGitmodules(body: Uint8Array): FsckProblem[] {
  const problems: FsckProblem[] = [];
  const nul = body.indexOf(0);
  const text = new TextDecoder('latin1').decode(nul >= 0 ? body.subarray(0, nul) : body);
  try {
    readConfig(text, ({ section, subsection, key, value }) => {
      if (section !== 'submodule' || subsection === undefined) return;
      if (badSubmoduleName(subsection))
        problems.push({
          id: 'gitmodulesName',
          error: true,
          message: `disallowed submodule name: ${subsection}`,
        });
      if (value === undefined) return;
      if (key === 'url' && badSubmoduleUrl(value))
        problems.push({
          id: 'gitmodulesUrl',
          error: true,
          message: `disallowed submodule url: ${value}`,
        });
      if (key === 'path' && value.startsWith('-'))
        problems.push({
          id: 'gitmodulesPath',
          error: true,
          message: `disallowed submodule path: ${value}`,
        });
      if (key === 'update' && value.startsWith('!'))
        problems.push({
          id: 'gitmodulesUpdate',
          error: true,
          message: `disallowed submodule update setting: ${value}`,
        });
    });
  } catch (err) {
    if (!(err instanceof ConfigSyntaxError)) throw err;
    problems.push({
      id: 'gitmodulesParse',
      error: false,
      message: 'could not parse gitmodules blob',
    });
  }
  return problems;
}
