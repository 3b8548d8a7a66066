/**
 * Writes a pack as a sequence of byte pieces so it can be streamed: header, entries (deflated
 * here or passed through already encoded), and the SHA-1 trailer over everything emitted.
 */
import { concatBytes } from './bytes';
import { PackError } from './errors';
import { objectTypeCode, type ObjectType } from './object';
import { encodeEntryHeader, encodeOfsDistance, encodePackHeader } from './pack-format';
import { deflate, Sha1 } from './native';

/** Streaming pack writer for a pack of exactly `objectCount` entries. */
export class PackWriter {
  private readonly hash = Sha1.create();
  private written = 0;
  private entries = 0;
  private started = false;

  constructor(private readonly objectCount: number) {
    if (!Number.isInteger(objectCount) || objectCount < 0 || objectCount > 0xffffffff) {
      throw new PackError(`bad object count ${objectCount}`);
    }
  }

  /** Bytes emitted so far: the pack offset of the next entry. */
  get offset(): number {
    return this.written;
  }

  /** The 12-byte header; must be emitted first. */
  header(): Uint8Array {
    if (this.started) throw new PackError('pack header already written');
    this.started = true;
    return this.emit(encodePackHeader(this.objectCount));
  }

  /** A full (non-delta) entry: header + deflated body. */
  entry(type: ObjectType, body: Uint8Array): Uint8Array {
    return this.emitEntry(
      concatBytes([encodeEntryHeader(objectTypeCode(type), body.length), deflate(body)]),
    );
  }

  /** An OFS_DELTA entry against the entry written at `baseOffset` (`delta` is raw delta data). */
  ofsDeltaEntry(baseOffset: number, delta: Uint8Array): Uint8Array {
    const dist = this.written - baseOffset;
    if (baseOffset < 12 || dist <= 0) throw new PackError('delta base must precede the delta');
    return this.emitEntry(
      concatBytes([encodeEntryHeader(6, delta.length), encodeOfsDistance(dist), deflate(delta)]),
    );
  }

  /** Pass-through of an already encoded entry (header + zlib data), e.g. copied from a stored pack. */
  rawEntry(bytes: Uint8Array): Uint8Array {
    return this.emitEntry(bytes);
  }

  /** The 20-byte SHA-1 of everything emitted; the pack is complete after it. */
  trailer(): Uint8Array {
    if (!this.started) throw new PackError('pack header not written');
    if (this.entries !== this.objectCount) {
      throw new PackError(
        `pack declared ${this.objectCount} objects but ${this.entries} were written`,
      );
    }
    const sum = this.hash.digest();
    this.written += 20;
    return sum;
  }

  private emitEntry(bytes: Uint8Array): Uint8Array {
    if (!this.started) throw new PackError('pack header not written');
    if (this.entries >= this.objectCount) throw new PackError('more entries than declared');
    this.entries++;
    return this.emit(bytes);
  }

  private emit(bytes: Uint8Array): Uint8Array {
    this.hash.update(bytes);
    this.written += bytes.length;
    return bytes;
  }
}
