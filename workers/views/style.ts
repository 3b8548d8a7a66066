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
header.site nav { display: flex; gap: 1rem; margin-left: auto; }
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
.error-box { border: 2px solid var(--bad); padding: 1rem; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .muted { color: var(--muted); }
`;
