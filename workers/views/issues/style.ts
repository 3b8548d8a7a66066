/** Stylesheet rules of the issue pages (appended to the one shared stylesheet). */
export const ISSUES_STYLE = `
/* Issues (views/issues). */
.issue-counts a { margin-right: 1rem; } .issue-counts a[aria-current="true"] { font-weight: 700; }
.issues td { padding: 0.4rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.issues .title { font-weight: 700; }
.label { display: inline-block; border: 1px solid var(--line); padding: 0 0.35rem; margin: 0 0.25rem 0.15rem 0; font-size: 0.8rem; white-space: nowrap; }
.swatch { display: inline-block; width: 0.7em; height: 0.7em; border: 1px solid var(--fg); margin-right: 0.3em; }
.issue-layout { display: grid; grid-template-columns: minmax(0, 1fr) 16rem; gap: 1.5rem; }
@media (max-width: 50rem) { .issue-layout { grid-template-columns: 1fr; } }
.issue-state { border: 2px solid var(--line); padding: 0 0.4rem; font-weight: 700; }
.issue-state.open { color: var(--ok); } .issue-state.closed { color: var(--bad); }
.entry { border: 2px solid var(--line); margin: 0 0 1rem; }
.entry > header { border-bottom: 1px solid var(--line); padding: 0.3rem 0.6rem; background: var(--code-bg); }
.entry .markdown { padding: 0.2rem 0.8rem; }
.event { margin: 0 0 0.8rem 1rem; padding-left: 0.6rem; border-left: 2px solid var(--line); }
.sidebar section { border-bottom: 1px solid var(--line); padding: 0.4rem 0 0.8rem; }
.sidebar h2 { font-size: 0.9rem; margin: 0.2rem 0; }
.sidebar label { display: block; }
.progress { display: inline-block; width: 6rem; height: 0.6rem; border: 1px solid var(--fg); vertical-align: middle; }
.progress > span { display: block; height: 100%; background: var(--ok); }
.comment-form textarea, .ask-plue textarea, .new-issue textarea { width: 100%; min-height: 8rem; font: inherit; }
.ask-plue { border: 2px solid var(--fg); padding: 0.4rem 0.8rem; margin: 0.8rem 0; }
.ask-plue label { display: block; }
.new-issue input[name="title"] { width: 100%; font: inherit; }
.reactions { display: flex; flex-wrap: wrap; gap: 0.3rem; align-items: center; padding: 0 0.8rem 0.5rem; }
.reaction-form { display: inline; margin: 0; }
.reaction { border: 1px solid var(--line); padding: 0 0.4rem; background: none; font: inherit; }
.reaction.mine { border: 2px solid var(--fg); font-weight: 700; }
.reaction-menu { display: inline-block; } .reaction-menu button { font: inherit; }
.meta-form { flex-wrap: wrap; gap: 0.4rem; }
.history-text { white-space: pre-wrap; overflow-wrap: anywhere; }
`;
