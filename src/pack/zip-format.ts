// The byte layout of a zip (PKWARE APPNOTE 6.3), as plain functions of an entry's facts.
// Every field that could vary between machines is a constant: a fixed DOS time, a Unix
// "made by", no extra timestamps, no comments.

/** 1980-01-01 00:00:00, the DOS epoch, as DOS date and time fields: no time zone involved. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;
const MADE_BY_UNIX = (3 << 8) | 63;
const VERSION_DEFAULT = 20;
const VERSION_ZIP64 = 45;
/** Bit 3: sizes and crc follow the data; bit 11: names are UTF-8. */
const FLAGS = (1 << 3) | (1 << 11);
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;

export const METHOD_STORE = 0;
export const METHOD_DEFLATE = 8;

/** What the writer knows about an entry once its data is written. */
export interface WrittenEntry {
  name: Buffer;
  method: number;
  /** Unix mode with the file type bits, e.g. 0o100644. */
  mode: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  offset: number;
  /** Sizes were written in ZIP64 form (decided before the data, from its size). */
  zip64Data: boolean;
}

export function localHeader(name: Buffer, method: number, zip64Data: boolean): Buffer {
  const extra = zip64Data ? zip64Extra([0, 0]) : Buffer.alloc(0);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(zip64Data ? VERSION_ZIP64 : VERSION_DEFAULT, 4);
  header.writeUInt16LE(FLAGS, 6);
  header.writeUInt16LE(method, 8);
  header.writeUInt16LE(DOS_TIME, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  // crc and sizes come in the data descriptor; ZIP64 marks the sizes as living in the extra.
  header.writeUInt32LE(0, 14);
  header.writeUInt32LE(zip64Data ? MAX32 : 0, 18);
  header.writeUInt32LE(zip64Data ? MAX32 : 0, 22);
  header.writeUInt16LE(name.length, 26);
  header.writeUInt16LE(extra.length, 28);
  return Buffer.concat([header, name, extra]);
}

export function dataDescriptor(entry: WrittenEntry): Buffer {
  const wide = entry.zip64Data;
  const buffer = Buffer.alloc(wide ? 24 : 16);
  buffer.writeUInt32LE(0x08074b50, 0);
  buffer.writeUInt32LE(entry.crc, 4);
  if (wide) {
    buffer.writeBigUInt64LE(BigInt(entry.compressedSize), 8);
    buffer.writeBigUInt64LE(BigInt(entry.uncompressedSize), 16);
  } else {
    buffer.writeUInt32LE(entry.compressedSize, 8);
    buffer.writeUInt32LE(entry.uncompressedSize, 12);
  }
  return buffer;
}

function zip64Extra(values: number[]): Buffer {
  const extra = Buffer.alloc(4 + 8 * values.length);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => extra.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return extra;
}

export function centralRecord(entry: WrittenEntry, limit: number): Buffer {
  const zip64 =
    entry.zip64Data ||
    entry.compressedSize > limit ||
    entry.uncompressedSize > limit ||
    entry.offset > limit;
  // With ZIP64 all three wide fields move to the extra, in the order the format fixes.
  const extra = zip64
    ? zip64Extra([entry.uncompressedSize, entry.compressedSize, entry.offset])
    : Buffer.alloc(0);
  const record = Buffer.alloc(46);
  record.writeUInt32LE(0x02014b50, 0);
  record.writeUInt16LE(MADE_BY_UNIX, 4);
  record.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, 6);
  record.writeUInt16LE(FLAGS, 8);
  record.writeUInt16LE(entry.method, 10);
  record.writeUInt16LE(DOS_TIME, 12);
  record.writeUInt16LE(DOS_DATE, 14);
  record.writeUInt32LE(entry.crc, 16);
  record.writeUInt32LE(zip64 ? MAX32 : entry.compressedSize, 20);
  record.writeUInt32LE(zip64 ? MAX32 : entry.uncompressedSize, 24);
  record.writeUInt16LE(entry.name.length, 28);
  record.writeUInt16LE(extra.length, 30);
  record.writeUInt16LE(0, 32); // comment length
  record.writeUInt16LE(0, 34); // disk number
  record.writeUInt16LE(0, 36); // internal attributes
  record.writeUInt32LE((entry.mode << 16) >>> 0, 38);
  record.writeUInt32LE(zip64 ? MAX32 : entry.offset, 42);
  return Buffer.concat([record, entry.name, extra]);
}

/** The end records: ZIP64 ones first when counts, sizes or offsets outgrow the classic ones. */
export function endOfCentralDirectory(
  count: number,
  directoryOffset: number,
  directorySize: number,
  limit: number,
): Buffer {
  const zip64 = count >= MAX16 || directoryOffset > limit || directorySize > limit;
  const parts: Buffer[] = [];
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4); // size of the rest of this record
    record.writeUInt16LE(MADE_BY_UNIX, 12);
    record.writeUInt16LE(VERSION_ZIP64, 14);
    record.writeUInt32LE(0, 16); // this disk
    record.writeUInt32LE(0, 20); // disk with the central directory
    record.writeBigUInt64LE(BigInt(count), 24);
    record.writeBigUInt64LE(BigInt(count), 32);
    record.writeBigUInt64LE(BigInt(directorySize), 40);
    record.writeBigUInt64LE(BigInt(directoryOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeUInt32LE(0, 4);
    locator.writeBigUInt64LE(BigInt(directoryOffset + directorySize), 8);
    locator.writeUInt32LE(1, 16); // total disks
    parts.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(zip64 ? MAX16 : count, 8);
  end.writeUInt16LE(zip64 ? MAX16 : count, 10);
  end.writeUInt32LE(zip64 ? MAX32 : directorySize, 12);
  end.writeUInt32LE(zip64 ? MAX32 : directoryOffset, 16);
  end.writeUInt16LE(0, 20); // comment length
  parts.push(end);
  return Buffer.concat(parts);
}
