import type { Socket } from 'node:net';
import type { Client } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { packetRecycler } from './packet-recycling.ts';

/** ssh2's AES-GCM cipher as far as the recycler sees it: its packet layout, in-place encryption, one write. */
class InPlaceCipher {
  allocations = 0;
  constructor(public _onWrite: (data: Buffer) => void) {}
  allocPacket(payloadLength: number): Buffer {
    this.allocations++;
    let packetLength = 4 + 1 + payloadLength;
    let padding = 16 - ((packetLength - 4) & 15);
    if (padding < 4) padding += 16;
    packetLength += padding;
    const packet = Buffer.alloc(packetLength + 16);
    packet.writeUInt32BE(packetLength - 4, 0);
    packet[4] = padding;
    packet.fill(0xaa, 5 + payloadLength, 5 + payloadLength + padding);
    return packet;
  }
  encrypt(packet: Buffer): void {
    this._onWrite(packet);
  }
}

/** ssh2's non-native AES-GCM: the packet goes out in pieces, never as the buffer it allocated. */
class PiecewiseCipher extends InPlaceCipher {
  override encrypt(packet: Buffer): void {
    this._onWrite(packet.subarray(0, 4));
    this._onWrite(Buffer.from(packet.subarray(4)));
  }
}

/** A socket that holds what it is given until `flush`, as one does when the kernel's buffer is full. */
function heldSocket() {
  const held: Array<{ data: Buffer; atWrite: Buffer; done?: () => void }> = [];
  const written: Buffer[] = [];
  const socket = {
    writable: true,
    _readableState: { ended: false },
    write(data: Buffer, done?: () => void) {
      held.push({ data, atWrite: Buffer.from(data), ...(done ? { done } : {}) });
      return false;
    },
  };
  const flush = () => {
    for (const entry of held.splice(0)) {
      // what reaches the peer is what the buffer holds now: a buffer reused too early would show here
      expect(entry.data.equals(entry.atWrite)).toBe(true);
      written.push(Buffer.from(entry.data));
      entry.done?.();
    }
  };
  return { socket: socket as unknown as Socket, flush, written };
}

function setup(Cipher: typeof InPlaceCipher = InPlaceCipher) {
  const { socket, flush, written } = heldSocket();
  const cipher = new Cipher((data) => socket.write(data));
  const client = { _protocol: { _cipher: cipher } } as unknown as Client;
  const recycler = packetRecycler(client, socket);
  /** What ssh2 does for each packet: allocate, fill the payload, encrypt (and write). */
  const send = (payload: Buffer): Buffer => {
    const packet = cipher.allocPacket(payload.length);
    payload.copy(packet, 5);
    cipher.encrypt(packet);
    return packet;
  };
  return { cipher, client, recycler, send, flush, written };
}

const FULL = 32 * 1024 + 9;

describe('packet recycling', () => {
  it('hands a buffer out again only after the socket has written it', () => {
    const { recycler, send, flush, written } = setup();
    const first = send(Buffer.alloc(FULL, 1));
    const second = send(Buffer.alloc(FULL, 2));
    expect(second.buffer).not.toBe(first.buffer);
    flush();
    const third = send(Buffer.alloc(FULL, 3));
    expect([first.buffer, second.buffer]).toContain(third.buffer);
    flush();
    expect(written.map((packet) => packet[5])).toEqual([1, 2, 3]);
    expect(recycler.stats).toMatchObject({ fresh: 2, reused: 1, ciphers: 1 });
  });

  it("keeps ssh2's layout for every packet, with fresh random padding each time", () => {
    const { cipher, send, flush } = setup();
    const reference = new InPlaceCipher(() => {}).allocPacket(FULL);
    const paddings: string[] = [];
    for (let i = 0; i < 4; i++) {
      const packet = send(Buffer.alloc(FULL, i));
      expect(packet.length).toBe(reference.length);
      expect(packet.readUInt32BE(0)).toBe(reference.readUInt32BE(0));
      expect(packet[4]).toBe(reference[4]);
      if (i > 0) paddings.push(packet.subarray(5 + FULL, 5 + FULL + packet[4]!).toString('hex'));
      flush();
    }
    // the first packet is ssh2's own; later ones are the recycler's, with padding from the random block
    expect(new Set(paddings).size).toBe(3);
    expect(cipher.allocations).toBe(1);
  });

  it('leaves small packets and a cipher that writes pieces to ssh2', () => {
    const small = setup();
    small.send(Buffer.alloc(100));
    small.flush();
    small.send(Buffer.alloc(100));
    expect(small.recycler.stats).toMatchObject({ fresh: 0, reused: 0 });
    expect(small.cipher.allocations).toBe(2);

    const pieces = setup(PiecewiseCipher);
    const sent = [pieces.send(Buffer.alloc(FULL, 7)), pieces.send(Buffer.alloc(FULL, 8))];
    pieces.flush();
    const later = pieces.send(Buffer.alloc(FULL, 9));
    pieces.flush();
    expect(sent.map((packet) => packet.buffer)).not.toContain(later.buffer);
    expect(pieces.recycler.stats.reused).toBe(0);
    expect(pieces.written.filter((piece) => piece.length > 4).map((piece) => piece[1])).toEqual([7, 8, 9]);
  });

  it("follows a rekey's new cipher and gives ssh2 its own methods back on uninstall", () => {
    const { client, recycler, flush } = setup();
    const protocol = (client as unknown as { _protocol: { _cipher: InPlaceCipher } })._protocol;
    const next = new InPlaceCipher(() => {});
    protocol._cipher = next;
    expect(recycler.refresh()).toBe(true);
    expect(Object.hasOwn(next, 'allocPacket')).toBe(true);
    next.encrypt(next.allocPacket(FULL));
    flush();
    expect(recycler.stats.ciphers).toBe(2);
    recycler.uninstall();
    expect(next.allocPacket).toBe(InPlaceCipher.prototype.allocPacket);
    const before = next.allocations;
    next.allocPacket(FULL);
    expect(next.allocations).toBe(before + 1);
  });
});
