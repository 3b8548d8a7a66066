/**
 * The subset of `node:zlib` and `node:crypto` that native.ts uses, for the Worker's type-check
 * (which loads Workers types, not Node's). The Worker has these modules through `nodejs_compat`;
 * Node programs and tests get the real declarations from @types/node, which agree (neither
 * models `inflateSync(…, {info: true})`, which native.ts reads by shape).
 */
declare module 'node:zlib' {
  interface ZlibOptions {
    level?: number;
    maxOutputLength?: number;
    chunkSize?: number;
    finishFlush?: number;
    info?: boolean;
  }
  export function inflateSync(buf: Uint8Array, options?: ZlibOptions): Uint8Array;
  export function deflateSync(buf: Uint8Array, options?: ZlibOptions): Uint8Array;
  /** A streaming inflater; entry-inflater.ts reaches for its engine and checks its shape. */
  export function createInflate(options?: ZlibOptions): object;
  export const constants: { Z_SYNC_FLUSH: number };
  export function crc32(data: Uint8Array, value?: number): number;
}

declare module 'node:crypto' {
  export interface Hash {
    update(data: Uint8Array): Hash;
    digest(): Uint8Array;
    digest(encoding: 'hex'): string;
    copy(): Hash;
  }
  export function createHash(algorithm: string): Hash;
}
