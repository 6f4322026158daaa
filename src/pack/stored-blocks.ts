// Incompressible data (random bytes, encrypted or already compressed content under a name
// that does not say so) costs deflate as much time as text does and gains nothing: zlib
// searches for matches that are not there, then emits the bytes as stored blocks anyway.
// A few small samples deflated at the fastest level tell such data apart for a fraction of
// that cost; it is then written as deflate's stored blocks directly. The choice depends on
// the bytes alone, so the zip stays deterministic, and the output is one valid deflate
// stream whichever way each block went.
import zlib from 'node:zlib';

const SAMPLE = 8 * 1024;
/** Samples are taken at the start of every such stretch of a block. */
const SAMPLE_STRIDE = 256 * 1024;
/** Below this, a sample would be most of the data: deflate it and let zlib decide. */
const MIN_SAMPLED = 16 * 1024;
/** A sample deflating to more than this share of its size shows nothing worth compressing. */
const INCOMPRESSIBLE = 0.97;
/** The most bytes one stored block holds (its length field is 16 bits). */
const MAX_STORED = 0xffff;

/**
 * Whether `block` is left uncompressed: every sample of it deflates (level 1, on its own)
 * to more than 97% of its size. Mixed content with any compressible sample is deflated.
 */
export function looksIncompressible(block: Uint8Array): boolean {
  if (block.length < MIN_SAMPLED) return false;
  for (let at = 0; at + SAMPLE <= block.length; at += SAMPLE_STRIDE) {
    const sample = block.subarray(at, at + SAMPLE);
    const deflated = zlib.deflateRawSync(sample, { level: 1 });
    if (deflated.length <= SAMPLE * INCOMPRESSIBLE) return false;
  }
  return true;
}

/**
 * `block` as raw deflate stored blocks. The stream must be at a byte boundary (a stream's
 * start, or after a sync flush or another stored block), which a stored block leaves it at
 * too; `last` marks the final block, as Z_FINISH would.
 */
export function storedBlocks(block: Uint8Array, last: boolean): Buffer {
  const count = Math.max(1, Math.ceil(block.length / MAX_STORED));
  const out = Buffer.allocUnsafe(block.length + 5 * count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const start = i * MAX_STORED;
    const length = Math.min(MAX_STORED, block.length - start);
    // BFINAL in bit 0, BTYPE 00 (stored) in bits 1-2, the rest of the byte padding.
    out[at] = last && i === count - 1 ? 1 : 0;
    out.writeUInt16LE(length, at + 1);
    out.writeUInt16LE(~length & 0xffff, at + 3);
    out.set(block.subarray(start, start + length), at + 5);
    at += 5 + length;
  }
  return out;
}
