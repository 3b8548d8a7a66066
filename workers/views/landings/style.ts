/** Stylesheet rules of the landing pages (appended to the one shared stylesheet). */
export const LANDINGS_STYLE = `
/* Landings (views/landings). */
.landing-view .comment-form label, .open-landing label { display: block; }
.landing-view .revisions { margin-bottom: 1rem; } .revisions th { text-align: left; padding: 0.3rem 0.5rem; }
.revisions tr[aria-current="true"] td:first-child { font-weight: 700; }
.open-landing { border: 2px solid var(--line); padding: 0.4rem 0.8rem; margin: 0 0 1rem; }
.open-landing summary { font-weight: 700; cursor: pointer; }
.landing-checks .statuses-list { margin-left: 0.3rem; }
`;
