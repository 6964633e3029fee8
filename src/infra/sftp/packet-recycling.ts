/**
 * Outgoing SSH packets in reused buffers while a file is uploaded.
 *
 * Why: ssh2 allocates a fresh buffer for every outgoing packet (`allocPacket`), encrypts it in place and hands
 * it to the socket. An upload sends one ~32 KB packet per 32 KB of file, so a 200 MB file is 200 MB of
 * short-lived external buffers. V8 starts a full collection for every few dozen MB of them, and
 * freeing them keeps its helper threads busy. On the 2-core loopback bench that was a third of the client's
 * CPU, and sshd shares those two cores.
 *
 * How: on the connection's current cipher, packets with a large payload are taken from a free list and go
 * back to it once the socket has written them (its write callback). ssh2 does not keep a packet after it is
 * handed to the socket. The size and padding length of a packet depend only on its payload length (block size,
 * tag or MAC length), so the first packet of each payload length is ssh2's own, and later ones copy its layout.
 * The padding stays random: it comes from a block filled by `randomFillSync`, never used twice. Only packets
 * the cipher hands back as the same buffer are recycled (ssh2's non-native AES-GCM writes pieces, a truncated
 * MAC writes a view). Such packets are written and left to the collector, as before.
 *
 * Relies on ssh2 1.x internals (`_protocol._cipher` with `allocPacket`, `encrypt` and `_onWrite`). Where they
 * are missing, nothing is installed and ssh2 allocates as before. A rekey replaces the cipher: `refresh`
 * installs on the new one.
 */
import { randomFillSync } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Client } from 'ssh2';

interface CipherInternals {
  allocPacket(payloadLength: number): Buffer;
  _onWrite(data: Buffer): void;
}

/** Payloads this large are recycled: full channel packets. Small control packets are left to ssh2. */
const RECYCLED_PAYLOAD = 16 * 1024;
/** Distinct payload lengths remembered (full packets and the odd tail of a WRITE message). */
const MAX_LAYOUTS = 8;
/** Free buffers kept, in bytes: about the 2 MB OpenSSH channel window, so the steady state allocates nothing. */
const MAX_FREE_BYTES = 4 * 1024 * 1024;
const RANDOM_BLOCK = 64 * 1024;

export interface PacketRecyclingStats {
  /** Large packets in a fresh buffer (ssh2's own or a new one for the free list). */
  fresh: number;
  /** Large packets in a buffer that had already been written once. */
  reused: number;
  /** Ciphers it has been installed on: 1, plus one per rekey met while installed. */
  ciphers: number;
}

export interface PacketRecycler {
  readonly stats: PacketRecyclingStats;
  /** Installs on the current cipher if a rekey replaced the one it was on; false where it cannot. */
  refresh(): boolean;
  /** Gives the cipher back ssh2's own allocation and drops the free buffers. */
  uninstall(): void;
}

/** ssh2's own test before it writes to the socket (node#36029: `writable` stays true after the peer ends). */
function socketWritable(socket: Socket): boolean {
  const state = (socket as unknown as { _readableState?: { ended?: boolean } })._readableState;
  return socket.writable && state?.ended === false;
}

function currentCipher(client: Client): CipherInternals | undefined {
  const cipher = (client as unknown as { _protocol?: { _cipher?: Partial<CipherInternals> } })._protocol?._cipher;
  if (!cipher || typeof cipher.allocPacket !== 'function' || typeof cipher._onWrite !== 'function') return undefined;
  return cipher as CipherInternals;
}

export function packetRecycler(client: Client, socket: Socket): PacketRecycler {
  const stats: PacketRecyclingStats = { fresh: 0, reused: 0, ciphers: 0 };
  const layouts = new Map<number, { size: number; lengthField: number; padding: number }>();
  const free = new Map<number, Buffer[]>();
  let freeBytes = 0;
  /** Packets handed out and not yet given to the socket. */
  const outstanding = new WeakSet<Buffer>();
  const random = Buffer.allocUnsafeSlow(RANDOM_BLOCK);
  let randomAt = RANDOM_BLOCK;
  let installed:
    | { cipher: CipherInternals; allocPacket: CipherInternals['allocPacket']; onWrite: CipherInternals['_onWrite'] }
    | undefined;

  const release = (packet: Buffer) => {
    if (installed === undefined || freeBytes + packet.length > MAX_FREE_BYTES) return;
    const list = free.get(packet.length);
    if (list) list.push(packet);
    else free.set(packet.length, [packet]);
    freeBytes += packet.length;
  };

  const fillPadding = (packet: Buffer, at: number, length: number) => {
    if (randomAt + length > RANDOM_BLOCK) {
      randomFillSync(random);
      randomAt = 0;
    }
    random.copy(packet, at, randomAt, randomAt + length);
    randomAt += length;
  };

  const install = (cipher: CipherInternals) => {
    const allocPacket = cipher.allocPacket;
    const onWrite = cipher._onWrite;
    installed = { cipher, allocPacket, onWrite };
    stats.ciphers++;
    cipher.allocPacket = (payloadLength: number): Buffer => {
      if (payloadLength < RECYCLED_PAYLOAD) return allocPacket.call(cipher, payloadLength);
      const layout = layouts.get(payloadLength);
      if (!layout) {
        const packet = allocPacket.call(cipher, payloadLength);
        // odd lengths (a message split where the window ran out) are left to ssh2: their buffers would sit unused
        if (layouts.size < MAX_LAYOUTS) {
          layouts.set(payloadLength, { size: packet.length, lengthField: packet.readUInt32BE(0), padding: packet[4]! });
          stats.fresh++;
          outstanding.add(packet);
        }
        return packet;
      }
      const list = free.get(layout.size);
      let packet = list?.pop();
      if (packet) {
        freeBytes -= packet.length;
        stats.reused++;
      } else {
        packet = Buffer.allocUnsafeSlow(layout.size);
        stats.fresh++;
      }
      packet.writeUInt32BE(layout.lengthField, 0);
      packet[4] = layout.padding;
      fillPadding(packet, 5 + payloadLength, layout.padding);
      outstanding.add(packet);
      return packet;
    };
    cipher._onWrite = (data: Buffer) => {
      if (!outstanding.has(data)) {
        onWrite.call(cipher, data);
        return;
      }
      outstanding.delete(data);
      if (socketWritable(socket)) socket.write(data, () => release(data));
    };
  };

  const uninstall = () => {
    if (installed) {
      installed.cipher.allocPacket = installed.allocPacket;
      installed.cipher._onWrite = installed.onWrite;
    }
    installed = undefined;
    free.clear();
    freeBytes = 0;
  };

  const refresh = (): boolean => {
    const cipher = currentCipher(client);
    if (!cipher) return false;
    if (installed?.cipher === cipher) return true;
    uninstall();
    // a cipher's layout can differ from the last one's (another algorithm after a rekey)
    layouts.clear();
    install(cipher);
    return true;
  };

  refresh();
  return { stats, refresh, uninstall };
}
