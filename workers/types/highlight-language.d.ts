// A highlight.js language definition, opaque to Plue (see highlight-core.d.ts for why).
declare const language: unknown;
export default language;
