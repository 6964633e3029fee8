/**
 * A small reader of OpenPGP packet headers (RFC 9580 §4.2), enough to see what a message is made of before
 * handing it to an engine: which keys it is encrypted to, and whether it uses a feature the bank profile does
 * not allow (AEAD / SEIPD v2, the unprotected SED packet). It reads only the top level, from the first bytes of
 * a message (binary or ASCII-armored); the encrypted body is not touched.
 *
 * @example
 *   const head = inspectMessageHead(firstBytes); // { armored, packets: [{ tag: 1, version: 3, keyId }, { tag: 18, version: 1 }] }
 */

export const PACKET = {
  PKESK: 1,
  SIGNATURE: 2,
  SKESK: 3,
  ONE_PASS_SIGNATURE: 4,
  COMPRESSED: 8,
  SED: 9,
  MARKER: 10,
  LITERAL: 11,
  SEIPD: 18,
  AEAD_ENCRYPTED: 20,
  PADDING: 21,
} as const;

export interface PacketHeader {
  tag: number;
  /** First body octet of versioned packets (PKESK, SKESK, SEIPD, signatures, OPS). */
  version?: number;
  /** PKESK v3: the recipient key id (16 upper-case hex digits; all zeros = anonymous recipient). */
  keyId?: string;
  /** Body length when known; undefined for partial/indeterminate lengths (the streamed data packets). */
  length?: number;
}

export interface MessageHead {
  armored: boolean;
  packets: PacketHeader[];
  /** True when the head ended inside a packet header (more input would be needed). */
  truncated: boolean;
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();

export function looksArmored(head: Uint8Array): boolean {
  let i = 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  const start = new TextDecoder('latin1').decode(head.subarray(i, i + 15));
  return start === '-----BEGIN PGP ';
}

/** Decodes as much of the armored body as the head holds (headers skipped, CRC line and footer ignored). */
export function dearmorHead(head: Uint8Array): Uint8Array {
  const text = new TextDecoder('latin1').decode(head);
  const lines = text.split(/\r?\n/);
  let i = lines.findIndex((l) => l.startsWith('-----BEGIN PGP '));
  i++;
  // Armor headers ("Version: …", "Comment: …") end at the first blank line.
  while (i < lines.length && lines[i]!.trim() !== '') i++;
  i++;
  let b64 = '';
  for (; i < lines.length - 1; i++) {
    const line = lines[i]!.trim();
    if (line.startsWith('=') || line.startsWith('-----')) break;
    b64 += line;
  }
  b64 = b64.slice(0, b64.length - (b64.length % 4));
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

/** Reads top-level packet headers; stops at the first data packet, whose body may be gigabytes. */
export function readPacketHeaders(data: Uint8Array, options: { all?: boolean } = {}): MessageHead {
  const packets: PacketHeader[] = [];
  let pos = 0;
  while (pos < data.length) {
    const first = data[pos]!;
    if ((first & 0x80) === 0) throw new Error(`not an OpenPGP packet at offset ${pos}`);
    let tag: number;
    let length: number | undefined;
    let headerLength: number;
    let partial = false;
    if (first & 0x40) {
      tag = first & 0x3f;
      const l0 = data[pos + 1];
      if (l0 === undefined) return { armored: false, packets, truncated: true };
      if (l0 < 192) {
        length = l0;
        headerLength = 2;
      } else if (l0 < 224) {
        const l1 = data[pos + 2];
        if (l1 === undefined) return { armored: false, packets, truncated: true };
        length = ((l0 - 192) << 8) + l1 + 192;
        headerLength = 3;
      } else if (l0 === 255) {
        if (pos + 6 > data.length) return { armored: false, packets, truncated: true };
        length = new DataView(data.buffer, data.byteOffset + pos + 2, 4).getUint32(0);
        headerLength = 6;
      } else {
        partial = true;
        length = 1 << (l0 & 0x1f);
        headerLength = 2;
      }
    } else {
      tag = (first >> 2) & 0x0f;
      const lengthType = first & 0x03;
      const size = [1, 2, 4, 0][lengthType]!;
      if (pos + 1 + size > data.length) return { armored: false, packets, truncated: true };
      if (size === 0) {
        length = undefined;
      } else {
        length = 0;
        for (let k = 0; k < size; k++) length = length * 256 + data[pos + 1 + k]!;
      }
      headerLength = 1 + size;
    }
    const body = pos + headerLength;
    const packet: PacketHeader = { tag };
    if (!partial && length !== undefined) packet.length = length;
    const versioned = [PACKET.PKESK, PACKET.SKESK, PACKET.SEIPD, PACKET.SIGNATURE, PACKET.ONE_PASS_SIGNATURE];
    if (versioned.includes(tag as 1) && body < data.length) packet.version = data[body]!;
    if (tag === PACKET.PKESK && packet.version === 3 && body + 9 <= data.length) {
      packet.keyId = hex(data.subarray(body + 1, body + 9));
    }
    packets.push(packet);
    const isData = [PACKET.SEIPD, PACKET.SED, PACKET.AEAD_ENCRYPTED, PACKET.LITERAL, PACKET.COMPRESSED].includes(
      tag as 18,
    );
    if ((isData && !options.all) || length === undefined) break;
    if (partial) {
      const end = skipPartialBody(data, body, length);
      if (end === undefined) return { armored: false, packets, truncated: true };
      pos = end;
      continue;
    }
    pos = body + length;
  }
  return { armored: false, packets, truncated: false };
}

/** Follows a partial-length body chunk by chunk; returns the offset after it. */
function skipPartialBody(data: Uint8Array, start: number, firstLength: number): number | undefined {
  let p = start + firstLength;
  for (;;) {
    const l0 = data[p];
    if (l0 === undefined) return undefined;
    if (l0 < 192) return p + 1 + l0;
    if (l0 < 224) {
      const l1 = data[p + 1];
      if (l1 === undefined) return undefined;
      return p + 2 + ((l0 - 192) << 8) + l1 + 192;
    }
    if (l0 === 255) {
      if (p + 5 > data.length) return undefined;
      return p + 5 + new DataView(data.buffer, data.byteOffset + p + 1, 4).getUint32(0);
    }
    p = p + 1 + (1 << (l0 & 0x1f));
  }
}

export function inspectMessageHead(head: Uint8Array): MessageHead {
  if (looksArmored(head)) return { ...readPacketHeaders(dearmorHead(head)), armored: true };
  return readPacketHeaders(head);
}

export interface EncryptedDataLocation {
  /** The packets before the encrypted data (session key packets, markers), as they were. */
  sessionKeyPackets: Uint8Array;
  /** Offset of the SEIPD packet's body in the head. */
  bodyOffset: number;
  /** The body's first length: the whole body, or its first partial chunk. */
  first: { length: number; partial: boolean };
}

/**
 * Finds the SEIPD packet of a binary message from its head: only session key packets (and marker packets) may
 * come before it. Undefined when the head shows anything else; callers then take the general path.
 */
export function locateEncryptedData(head: Uint8Array): EncryptedDataLocation | undefined {
  let pos = 0;
  while (pos < head.length) {
    const first = head[pos]!;
    if ((first & 0x80) === 0) return undefined;
    let tag: number;
    let length: number;
    let lengthBytes: number;
    let partial = false;
    if ((first & 0x40) === 0) {
      // GnuPG writes its session key packets in the old format.
      tag = (first >> 2) & 0x0f;
      lengthBytes = [1, 2, 4, 0][first & 0x03]!;
      if (lengthBytes === 0 || pos + 1 + lengthBytes > head.length) return undefined;
      length = 0;
      for (let k = 0; k < lengthBytes; k++) length = length * 256 + head[pos + 1 + k]!;
    } else {
      tag = first & 0x3f;
      const l0 = head[pos + 1];
      if (l0 === undefined) return undefined;
      if (l0 < 192) {
        length = l0;
        lengthBytes = 1;
      } else if (l0 < 224) {
        if (pos + 2 >= head.length) return undefined;
        length = ((l0 - 192) << 8) + head[pos + 2]! + 192;
        lengthBytes = 2;
      } else if (l0 === 255) {
        if (pos + 6 > head.length) return undefined;
        length = new DataView(head.buffer, head.byteOffset + pos + 2, 4).getUint32(0);
        lengthBytes = 5;
      } else {
        length = 1 << (l0 & 0x1f);
        lengthBytes = 1;
        partial = true;
      }
    }
    const body = pos + 1 + lengthBytes;
    if (tag === PACKET.SEIPD) {
      return { sessionKeyPackets: head.subarray(0, pos), bodyOffset: body, first: { length, partial } };
    }
    if ((tag !== PACKET.PKESK && tag !== PACKET.MARKER) || partial) return undefined;
    pos = body + length;
  }
  return undefined;
}
