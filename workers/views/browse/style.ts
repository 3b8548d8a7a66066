/** Stylesheet rules of the code browser (appended to the one shared stylesheet). */
export const BROWSE_STYLE = `
/* Code browser (views/browse). */
.repo-head { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: baseline; }
.repo-head h1 { margin: 0; font-size: 1.4rem; font-family: ui-monospace, Menlo, Consolas, monospace; }
.badge { border: 1px solid var(--line); padding: 0 0.4rem; font-size: 0.8rem; }
.repo-desc { margin: 0.4rem 0 0; }
nav.tabs { display: flex; flex-wrap: wrap; border-bottom: 2px solid var(--line); margin: 0.75rem 0 1rem; }
nav.tabs a { padding: 0.3rem 0.8rem; text-decoration: none; border: 2px solid transparent; border-bottom: 0; margin-bottom: -2px; }
nav.tabs a[aria-current="page"] { border-color: var(--line); background: var(--bg); color: var(--fg); font-weight: 700; }
.bar { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 0.5rem 0; }
.bar form { display: flex; gap: 0.3rem; }
.crumbs { font-family: ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.clone { display: flex; flex-wrap: wrap; gap: 0.3rem; align-items: center; }
.clone input { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.85rem; width: min(30rem, 100%); }
table.files td { border-left: 0; border-right: 0; white-space: nowrap; }
table.files td.msg { width: 100%; white-space: normal; overflow-wrap: anywhere; }
table.files td.name a { font-family: ui-monospace, Menlo, Consolas, monospace; }
table.files td.when { text-align: right; color: var(--muted); }
.latest { border: 2px solid var(--line); border-bottom: 0; padding: 0.4rem 0.5rem; display: flex; flex-wrap: wrap; gap: 0.5rem; }
.readme { border: 2px solid var(--line); margin-top: 1rem; }
.readme > h2 { margin: 0; padding: 0.4rem 0.5rem; border-bottom: 2px solid var(--line); font-size: 1rem; font-family: ui-monospace, Menlo, Consolas, monospace; }
.markdown { padding: 0 1rem; overflow-wrap: anywhere; } .markdown img { max-width: 100%; }
.markdown table { width: auto; }
.blob-head { border: 2px solid var(--line); border-bottom: 0; padding: 0.4rem 0.5rem; display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; }
table.code { border: 2px solid var(--line); font: 0.85rem/1.4 ui-monospace, Menlo, Consolas, monospace; background: var(--code-bg); table-layout: auto; }
table.code td { border: 0; padding: 0 0.5rem; white-space: pre; }
table.code td.ln { width: 1%; text-align: right; user-select: none; border-right: 1px solid var(--line); }
table.code td.ln a { color: var(--muted); text-decoration: none; }
table.code tr:target, table.code tr.hl { background: color-mix(in srgb, var(--accent) 22%, transparent); }
.code-wrap { overflow-x: auto; }
.notice { border: 2px solid var(--line); padding: 1rem; }
.sha { font-family: ui-monospace, Menlo, Consolas, monospace; }
.chg { font-family: ui-monospace, Menlo, Consolas, monospace; color: var(--muted); }
ol.commits { list-style: none; padding: 0; border: 2px solid var(--line); }
ol.commits li { padding: 0.4rem 0.5rem; border-bottom: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; }
ol.commits li:last-child { border-bottom: 0; } ol.commits .subject { flex: 1 1 20rem; overflow-wrap: anywhere; }
ol.commits .status-icon { flex: 0 0 1.1em; text-align: center; font-weight: 700; }
td.divergence { white-space: nowrap; color: var(--muted); } .tag-message { margin-top: 0.2rem; } .tag-message summary { cursor: pointer; }
.compare-picker { margin: 0 0 1rem; align-items: end; } .compare-picker input { width: min(14rem, 100%); }
.diffstat .add, .d-add { color: var(--ok); } .diffstat .del, .d-del { color: var(--bad); }
details.file { border: 2px solid var(--line); margin: 0 0 1rem; }
details.file > summary { padding: 0.4rem 0.5rem; cursor: pointer; font-family: ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
table.diff { font: 0.85rem/1.35 ui-monospace, Menlo, Consolas, monospace; border-top: 1px solid var(--line); }
table.diff td { border: 0; padding: 0 0.4rem; white-space: pre; }
table.diff td.ln { width: 1%; color: var(--muted); text-align: right; user-select: none; }
table.diff tr.a { background: color-mix(in srgb, var(--ok) 14%, transparent); }
table.diff tr.d { background: color-mix(in srgb, var(--bad) 14%, transparent); }
table.diff tr.h td { background: var(--code-bg); color: var(--muted); }
table.diff.split td.a { background: color-mix(in srgb, var(--ok) 14%, transparent); }
table.diff.split td.d { background: color-mix(in srgb, var(--bad) 14%, transparent); }
table.diff.split td.empty { background: var(--code-bg); }
table.diff.split td:not(.ln) { width: 49%; white-space: pre-wrap; }
table.diff td.ln a.add-comment { text-decoration: none; margin-right: 0.2rem; }
.diff-mode a[aria-current="true"] { font-weight: 700; }
pre.message { white-space: pre-wrap; overflow-wrap: anywhere; }
.hljs-keyword, .hljs-built_in, .hljs-selector-tag, .hljs-section { color: #a626a4; }
.hljs-string, .hljs-attr, .hljs-template-tag, .hljs-addition { color: #2f7d32; }
.hljs-comment, .hljs-quote { color: var(--muted); font-style: italic; }
.hljs-number, .hljs-literal, .hljs-type, .hljs-symbol { color: #b35c00; }
.hljs-title, .hljs-name, .hljs-function .hljs-title { color: #1f5fbf; } .hljs-deletion { color: var(--bad); }
@media (prefers-color-scheme: dark) {
  .hljs-keyword, .hljs-built_in, .hljs-selector-tag, .hljs-section { color: #d48ee0; }
  .hljs-string, .hljs-attr, .hljs-template-tag, .hljs-addition { color: #8fd694; }
  .hljs-number, .hljs-literal, .hljs-type, .hljs-symbol { color: #f0a45d; }
  .hljs-title, .hljs-name, .hljs-function .hljs-title { color: #8ab4ff; }
}
@media (max-width: 40rem) { table.files td.when, table.files .msg { display: none; } }
`;
