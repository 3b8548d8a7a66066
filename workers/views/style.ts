/** The one stylesheet every page shares (brutalist: hard borders, no rounding, one accent). */
export const STYLE = `
:root { --fg: #000; --bg: #fff; --accent: #0645ad; --muted: #555; --line: #000;
  --ok: #0a7d28; --bad: #b00020; --code-bg: #f4f4f4; color-scheme: light dark; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #eee; --bg: #111; --accent: #8ab4ff; --muted: #aaa; --line: #eee;
    --ok: #4cc36b; --bad: #ff6b7d; --code-bg: #1c1c1c; }
}
* { box-sizing: border-box; }
html { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
body { margin: 0; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible,
textarea:focus-visible { outline: 3px solid var(--accent); outline-offset: 1px; }
code, pre, kbd, samp, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 0.9rem; }
pre { background: var(--code-bg); border: 1px solid var(--line); padding: 0.75rem; overflow-x: auto;
  line-height: 1.35; }
header.site { display: flex; gap: 1rem; align-items: center; padding: 0.5rem 1rem;
  border-bottom: 2px solid var(--line); flex-wrap: wrap; }
header.site .brand { font-weight: 800; text-decoration: none; color: var(--fg); letter-spacing: 0.05em; }
header.site nav { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; align-items: center; margin-left: auto; }
header.site nav form.inline { display: inline; margin: 0; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
footer.site { border-top: 1px solid var(--line); padding: 0.5rem 1rem; color: var(--muted);
  font-size: 0.85rem; }
h1, h2, h3 { line-height: 1.2; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid var(--line); padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
button, .button { font: inherit; border: 2px solid var(--line); background: var(--bg); color: var(--fg);
  padding: 0.3rem 0.8rem; cursor: pointer; border-radius: 0; text-decoration: none; }
button.primary, .button.primary { background: var(--accent); color: var(--bg); border-color: var(--accent); }
input, select, textarea { font: inherit; border: 2px solid var(--line); padding: 0.3rem; border-radius: 0;
  background: var(--bg); color: var(--fg); }
.error-box { border: 2px solid var(--bad); padding: 1rem; overflow-wrap: anywhere; }
/* A new token (settings-page.tsx): shown once, wrapped so a phone shows all of it. */
.new-token { border: 2px solid var(--ok); padding: 0 1rem 1rem; margin: 0 0 1rem; }
.new-token pre { white-space: pre-wrap; overflow-wrap: anywhere; user-select: all; }
details.confirm > summary { cursor: pointer; color: var(--accent); }
details.confirm form p { margin: 0.3rem 0; max-width: 20rem; }
button.danger { border-color: var(--bad); color: var(--bad); font-weight: 700; }
section.danger-zone { border: 2px solid var(--bad); padding: 0 1rem 1rem; margin-top: 2rem; }
ul.activity { padding-left: 1.2rem; line-height: 1.8; }
fieldset { border: 2px solid var(--line); }
fieldset p.scope { margin: 0.2rem 0; }
textarea { width: 100%; max-width: 50rem; }
/* Narrow screens (a 390 px phone): nothing makes the page scroll sideways; a wide table
   scrolls inside itself, long ids and refs wrap. */
@media (max-width: 40rem) {
  main { padding: 0.75rem 0.5rem; }
  header.site { gap: 0.25rem 1rem; }
  header.site nav { margin-left: 0; }
  table:not(.code):not(.diff):not(.files) { display: block; overflow-x: auto; }
  .code-wrap, details.file { max-width: 100%; overflow-x: auto; }
  code, .sha { overflow-wrap: anywhere; }
  input, select { max-width: 100%; }
}
.ok { color: var(--ok); } .bad { color: var(--bad); } .muted { color: var(--muted); }
/* Run logs (run-page.tsx): one line per div, numbers as anchors, ANSI colours as classes. */
.state-success { color: var(--ok); } .state-failure, .state-timed_out { color: var(--bad); }
details.step { border: 1px solid var(--line); margin: 0 0 -1px; }
details.step > summary { padding: 0.3rem 0.5rem; cursor: pointer; font-family: ui-monospace, Menlo, Consolas, monospace; }
.log { background: var(--code-bg); font: 0.85rem/1.35 ui-monospace, Menlo, Consolas, monospace;
  white-space: pre-wrap; word-break: break-all; }
.log .blk { content-visibility: auto; contain-intrinsic-size: auto 270em; }
.log .line { position: relative; padding-left: 5.25em; min-height: 1.35em; }
.log .line.target, .log .line:target { background: color-mix(in srgb, var(--accent) 20%, transparent); }
.log .ln { position: absolute; left: 0; width: 4.5em; text-align: right; padding-right: 0.75em; color: var(--muted); text-decoration: none; user-select: none; }
.run-actions form { display: inline; }
.run-actions form[hidden] { display: none; }
.notice { border: 2px solid var(--line); padding: 0.4rem 0.6rem; }
.log .line.err { border-left: 2px solid var(--muted); }
details.step .why, details.step .usage { font-size: 0.85rem; }
/* A model step's transcript (run-transcript-script.ts): markdown text, collapsible tool calls. */
.log .transcript { white-space: normal; word-break: normal; padding: 0.3rem 0.6rem; font-family: system-ui, sans-serif; }
.transcript .md pre { background: var(--bg); padding: 0.3rem; white-space: pre-wrap; }
.transcript details.tool { border-left: 3px solid var(--line); margin: 0.3rem 0; padding-left: 0.4rem; }
.transcript details.tool.failed { border-left-color: var(--bad); }
.transcript details.tool.ok { border-left-color: var(--ok); }
.transcript details.tool > summary { cursor: pointer; font-family: ui-monospace, Menlo, Consolas, monospace; }
.transcript .tool-in, .transcript .tool-out { white-space: pre-wrap; word-break: break-all; margin: 0.2rem 0; }
.transcript .tx-output pre { white-space: pre-wrap; margin: 0.2rem 0; }
.transcript .tx-notice { color: var(--muted); font-family: ui-monospace, Menlo, Consolas, monospace; }
#run.disconnected::before { content: "Reconnecting…"; display: block; color: var(--muted); }
.a-b { font-weight: 700; } .a-i { font-style: italic; } .a-u { text-decoration: underline; }
.a-fg0 { color: #555; } .a-fg1 { color: #c91b00; } .a-fg2 { color: #00a600; } .a-fg3 { color: #a68a00; }
.a-fg4 { color: #2a55d4; } .a-fg5 { color: #b21dba; } .a-fg6 { color: #00a6b2; } .a-fg7 { color: #999; }
.a-fg8 { color: #777; } .a-fg9 { color: #e74c3c; } .a-fg10 { color: #2ecc40; } .a-fg11 { color: #d4a900; }
.a-fg12 { color: #5b8cff; } .a-fg13 { color: #e056fd; } .a-fg14 { color: #1fd1e0; } .a-fg15 { color: #bbb; }
.a-bg1 { background: #c91b0033; } .a-bg2 { background: #00a60033; } .a-bg3 { background: #a68a0033; }
.a-bg4 { background: #2a55d433; } .a-bg7 { background: #99999933; }
`;
