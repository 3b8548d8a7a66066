// Renders a prompt template inside the step's sandbox (runner-controller/agent/render.ts): a
// template is code (nunjucks can reach JavaScript constructors), so it never runs in the
// controller. Reads /plue-call/input.json ({template, vars}); prints {"text"} or {"error", "line"}.
'use strict';
// A CommonJS script run by the sandbox's own node, outside the TypeScript build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fs = require('fs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nunjucks = require('/opt/plue-nunjucks/nunjucks.js');
const input = JSON.parse(fs.readFileSync('/plue-call/input.json', 'utf8'));
const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });
let answer;
try {
  answer = { text: env.renderString(input.template, input.vars) };
} catch (err) {
  const message = String((err && err.message) || err);
  const m = /\[Line (\d+), Column \d+\]/.exec(message);
  const detail = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('(unknown path)'))
    .join(' ');
  answer = { error: detail.replace(/^Error: /, ''), line: m ? Number(m[1]) : null };
}
process.stdout.write(JSON.stringify(answer));
