/**
 * The subset of blob storage the git layer uses, so it can run over R2 in the Worker and over
 * memory in tests. Keys are content-addressed and objects are never rewritten in place.
 */
import { concatBytes } from '../../../common/git/bytes';

export interface ObjectStore {
  /** Whole object, or `length` bytes from `offset`; undefined when the key is absent. */
  get(key: string, range?: { offset: number; length: number }): Promise<Uint8Array | undefined>;
  /** The object's bytes as a stream (for sending whole packs without buffering them). */
  getStream(key: string): Promise<ReadableStream<Uint8Array> | undefined>;
  head(key: string): Promise<{ size: number } | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Starts an upload of unknown total size sent in parts (each but the last ≥ 5 MiB). */
  beginUpload(key: string): Promise<PartUpload>;
  list(prefix: string): Promise<string[]>;
  delete(keys: string[]): Promise<void>;
}

export interface PartUpload {
  uploadPart(bytes: Uint8Array): Promise<void>;
  complete(): Promise<void>;
  abort(): Promise<void>;
}

/** R2 refuses multipart parts smaller than this (except the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

/** A part of a multipart upload, as the bucket returns it. */
interface UploadedPart {
  partNumber: number;
  etag: string;
}

/**
 * The subset of an R2 bucket the adapter uses (an `R2Bucket` is one), declared here so this
 * module, and the storage code over it, also compile and run outside the Workers types (the
 * benchmarks run the storage code in Node over the memory adapter).
 */
export interface R2BucketSubset {
  get(
    key: string,
    options?: { range?: { offset: number; length: number } },
  ): Promise<{ arrayBuffer(): Promise<ArrayBuffer>; body: unknown } | null>;
  head(key: string): Promise<{ size: number } | null>;
  put(key: string, value: Uint8Array): Promise<unknown>;
  createMultipartUpload(key: string): Promise<{
    uploadPart(partNumber: number, value: Uint8Array): Promise<UploadedPart>;
    complete(parts: UploadedPart[]): Promise<unknown>;
    abort(): Promise<void>;
  }>;
  list(options: {
    prefix: string;
    cursor?: string;
  }): Promise<{ objects: Array<{ key: string }>; truncated: boolean; cursor?: string }>;
  delete(keys: string[]): Promise<void>;
}

/** R2 adapter. */
export function r2ObjectStore(bucket: R2BucketSubset): ObjectStore {
  return {
    async get(key, range) {
      const obj = await bucket.get(key, range ? { range } : undefined);
      if (!obj) return undefined;
      return new Uint8Array(await obj.arrayBuffer());
    },
    async getStream(key) {
      const obj = await bucket.get(key);
      return obj ? (obj.body as ReadableStream<Uint8Array>) : undefined;
    },
    async head(key) {
      const obj = await bucket.head(key);
      return obj ? { size: obj.size } : undefined;
    },
    async put(key, bytes) {
      await bucket.put(key, bytes);
    },
    async beginUpload(key) {
      const upload = await bucket.createMultipartUpload(key);
      const parts: UploadedPart[] = [];
      return {
        async uploadPart(bytes) {
          parts.push(await upload.uploadPart(parts.length + 1, bytes));
        },
        async complete() {
          await upload.complete(parts);
        },
        async abort() {
          await upload.abort();
        },
      };
    },
    async list(prefix) {
      const keys: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await bucket.list({ prefix, cursor });
        keys.push(...page.objects.map((o) => o.key));
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return keys;
    },
    async delete(keys) {
      for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
    },
  };
}

/** In-memory adapter for tests. */
export function memoryObjectStore(): ObjectStore & { size(): number } {
  const data = new Map<string, Uint8Array>();
  return {
    size: () => data.size,
    async get(key, range) {
      const v = data.get(key);
      if (!v) return undefined;
      return range ? v.slice(range.offset, range.offset + range.length) : v.slice();
    },
    async getStream(key) {
      const v = data.get(key);
      if (!v) return undefined;
      const copy = v.slice();
      return new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < copy.length; i += 65536) c.enqueue(copy.subarray(i, i + 65536));
          c.close();
        },
      });
    },
    async head(key) {
      const v = data.get(key);
      return v ? { size: v.length } : undefined;
    },
    async put(key, bytes) {
      data.set(key, bytes.slice());
    },
    async beginUpload(key) {
      const parts: Uint8Array[] = [];
      return {
        async uploadPart(bytes) {
          parts.push(bytes.slice());
        },
        async complete() {
          // Mirrors R2: every part but the last must have the same size.
          for (let i = 1; i < parts.length - 1; i++) {
            if (parts[i]?.length !== parts[0]?.length)
              throw new Error('multipart parts differ in size');
          }
          data.set(key, concatBytes(parts));
        },
        async abort() {
          parts.length = 0;
        },
      };
    },
    async list(prefix) {
      return [...data.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
    async delete(keys) {
      for (const k of keys) data.delete(k);
    },
  };
}
