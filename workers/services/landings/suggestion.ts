/**
 * Suggested changes in review comments: a fenced block whose info string is `suggestion` holds
 * the lines that should replace the commented ones (GitHub's convention). Parsed here so pages
 * can show it as a diff of the commented lines.
 */

/** The replacement lines of the first ```suggestion block in `body`, or undefined. */
export function parseSuggestion(body: string): string[] | undefined {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})[ \t]*suggestion[ \t]*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const fence = open[1] ?? '```';
    const out: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j] ?? '';
      const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}[ \\t]*$`);
      if (close.test(l)) return out;
      out.push(l);
    }
    // An unclosed fence runs to the end of the text (CommonMark).
    return out;
  }
  return undefined;
}
