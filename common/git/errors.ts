/**
 * Error classes of the pure git model. Each codec throws only its own class for bad input, so
 * callers can map "the client sent garbage" to a protocol answer without catching programming bugs.
 */

/** A pkt-line stream is malformed (bad length header, oversized or truncated packet). */
export class PktLineError extends Error {
  override name = 'PktLineError';
}

/** A git object body (commit, tree, tag) does not follow git's format. */
export class ObjectFormatError extends Error {
  override name = 'ObjectFormatError';
}

/** A delta instruction stream is malformed or does not fit its base. */
export class DeltaError extends Error {
  override name = 'DeltaError';
}

/** A pack or pack index is malformed, truncated, inconsistent or over a configured limit. */
export class PackError extends Error {
  override name = 'PackError';
}

/** Bytes that are not a valid zlib stream (or inflate past their declared size). */
export class ZlibDataError extends Error {
  override name = 'ZlibDataError';
}
