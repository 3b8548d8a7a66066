/** Stylesheet rules of the landing pages (appended to the one shared stylesheet). */
export const LANDINGS_STYLE = `
/* Landings (views/landings). */
.landing-view .comment-form label, .open-landing label { display: block; }
.landing-view .revisions { margin-bottom: 1rem; } .revisions th { text-align: left; padding: 0.3rem 0.5rem; }
.revisions tr[aria-current="true"] td:first-child { font-weight: 700; }
.open-landing { border: 2px solid var(--line); padding: 0.4rem 0.8rem; margin: 0 0 1rem; }
.open-landing summary { font-weight: 700; cursor: pointer; }
.landing-checks .statuses-list { margin-left: 0.3rem; }
.requested-reviewers { border: 2px solid var(--line); padding: 0.4rem 0.8rem; margin: 0 0 1rem; }
.requested-reviewers h3 { margin: 0 0 0.3rem; font-size: 1rem; }
.requested-reviewers ul { margin: 0 0 0.4rem; padding-left: 1.2rem; }
.requested-reviewers form.inline { display: inline; margin-left: 0.4rem; }
.revision-picker { margin: 0.5rem 0; }
.interdiff-summary { border-left: 4px solid var(--accent, var(--line)); padding-left: 0.6rem; }
tr.new-comment textarea, tr.review-thread textarea { width: 100%; min-height: 5rem; }
tr.review-thread td { white-space: normal; }
.file-tree { border: 2px solid var(--line); padding: 0.3rem 0.6rem; margin: 0 0 1rem; }
.file-tree ul { list-style: none; margin: 0; padding-left: 1.1rem; }
.file-tree > ul { padding-left: 0; }
.file-tree summary { cursor: pointer; }
.file-tree .status { display: inline-block; width: 1ch; }
`;
