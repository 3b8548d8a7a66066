// The subset of highlight.js's core API Plue uses. highlight.js's own typings pull in the DOM
// lib (`/// <reference lib="dom" />`), whose fetch/stream types clash with the Workers types, so
// workers/tsconfig.json maps the imports here instead.
export interface HighlightResult {
  value: string;
  language?: string;
}
export interface HLJSApi {
  newInstance(): HLJSApi;
  registerLanguage(name: string, language: unknown): void;
  highlight(code: string, options: { language: string; ignoreIllegals?: boolean }): HighlightResult;
  getLanguage(name: string): unknown;
}
declare const hljs: HLJSApi;
export default hljs;
