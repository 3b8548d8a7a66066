/**
 * Writes a stream of unknown length to the object store in bounded memory: a single put when it
 * stays under one part, else a multipart upload of equal-size parts (R2 requires all parts but
 * the last to be the same size).
 */
import { MIN_PART_SIZE, type ObjectStore, type PartUpload } from './object-store';
import { concatBytes } from '../../../common/git/bytes';

export const PART_SIZE = Math.max(MIN_PART_SIZE, 8 * 1024 * 1024);

export interface PartWriter {
  write(bytes: Uint8Array): Promise<void>;
  /** Completes the object; returns its bytes when it fitted in one part (kept for re-reading). */
  finish(): Promise<Uint8Array | undefined>;
  abort(): Promise<void>;
  readonly size: number;
}

export function createPartWriter(
  store: ObjectStore,
  key: string,
  onPart?: (written: number) => void | Promise<void>,
): PartWriter {
  let upload: PartUpload | undefined;
  let pending: Uint8Array[] = [];
  let pendingLen = 0;
  let size = 0;
  return {
    get size() {
      return size;
    },
    async write(bytes) {
      size += bytes.length;
      pending.push(bytes);
      pendingLen += bytes.length;
      while (pendingLen >= PART_SIZE) {
        const joined = concatBytes(pending);
        upload ??= await store.beginUpload(key);
        await upload.uploadPart(joined.slice(0, PART_SIZE));
        const rest = joined.subarray(PART_SIZE);
        pending = rest.length ? [rest] : [];
        pendingLen = rest.length;
        await onPart?.(size);
      }
    },
    async finish() {
      const last = concatBytes(pending);
      pending = [];
      pendingLen = 0;
      if (upload) {
        if (last.length > 0) await upload.uploadPart(last);
        await upload.complete();
        return undefined;
      }
      await store.put(key, last);
      return last;
    },
    async abort() {
      await upload?.abort().catch(() => undefined);
      await store.delete([key]).catch(() => undefined);
    },
  };
}
