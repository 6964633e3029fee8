/**
 * The sandbox bank's SFTP subsystem: SFTP v3 requests served from a real directory (the bank's root), with the
 * fault switches applied. Paths are confined to the root (`..` cannot climb out) and the private `.sandbox`
 * folder (host keys, taken files) is invisible and untouchable.
 */
import {
  close,
  fstat,
  lstat,
  mkdir,
  open,
  read,
  readdir,
  rename,
  rmdir,
  type Stats,
  stat,
  unlink,
  write,
} from 'node:fs';
import { join, posix } from 'node:path';
import ssh2, { type Attributes, type FileEntry, type SFTPWrapper } from 'ssh2';
import type { SandboxFaults } from './faults.ts';

const { STATUS_CODE } = ssh2.utils.sftp;

export interface SandboxFileEvents {
  /** A file was written and closed, or renamed into place (remote path). */
  arrived(remotePath: string): void;
}

export interface SftpHandlerContext {
  root: string;
  faults: () => SandboxFaults;
  /** Moves a just-arrived file away (moveAwayOnArrival); returns once it is gone. */
  takeAway: (localPath: string, name: string) => Promise<void>;
  events: SandboxFileEvents;
}

interface OpenFile {
  kind: 'file';
  fd: number;
  remotePath: string;
  written: boolean;
}
interface OpenDir {
  kind: 'dir';
  remotePath: string;
  entries: FileEntry[] | undefined;
  done: boolean;
}

function attrsOf(s: Stats): Attributes {
  return {
    mode: s.mode,
    uid: s.uid,
    gid: s.gid,
    size: s.size,
    atime: Math.floor(s.atimeMs / 1000),
    mtime: Math.floor(s.mtimeMs / 1000),
  };
}

function statusOf(error: NodeJS.ErrnoException): number {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return STATUS_CODE.NO_SUCH_FILE;
  if (error.code === 'EACCES' || error.code === 'EPERM') return STATUS_CODE.PERMISSION_DENIED;
  return STATUS_CODE.FAILURE;
}

/** Normalised absolute remote path, or undefined for the private area. */
export function remotePathOf(path: string): string | undefined {
  const normal = posix.normalize(`/${path}`).replace(/\/+$/, '') || '/';
  if (normal.split('/')[1] === '.sandbox') return undefined;
  return normal;
}

export function serveSftp(sftp: SFTPWrapper, ctx: SftpHandlerContext): void {
  const handles = new Map<number, OpenFile | OpenDir>();
  let closed = false;
  let nextHandle = 1;
  const newHandle = (entry: OpenFile | OpenDir) => {
    const id = nextHandle++;
    handles.set(id, entry);
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32BE(id);
    return buffer;
  };
  const lookup = (handle: Buffer) => (handle.length === 4 ? handles.get(handle.readUInt32BE(0)) : undefined);
  const local = (remote: string) => join(ctx.root, remote);
  const fail = (reqId: number, error: NodeJS.ErrnoException) => sftp.status(reqId, statusOf(error), error.code);
  const resolve = (reqId: number, path: string): string | undefined => {
    const remote = remotePathOf(path);
    if (remote === undefined) sftp.status(reqId, STATUS_CODE.PERMISSION_DENIED);
    return remote;
  };

  const arrive = (remote: string, then: () => void) => {
    if (ctx.faults().moveAwayOnArrival) {
      ctx.takeAway(local(remote), posix.basename(remote)).then(then, then);
      return;
    }
    ctx.events.arrived(remote);
    then();
  };

  sftp.on('OPEN', (reqId, filename, flags) => {
    const remote = resolve(reqId, filename);
    if (remote === undefined) return;
    const mode = ssh2.utils.sftp.flagsToString(flags);
    if (!mode) return sftp.status(reqId, STATUS_CODE.BAD_MESSAGE);
    if (ctx.faults().rejectFiles && /[wa]/.test(mode)) {
      return sftp.status(reqId, STATUS_CODE.PERMISSION_DENIED, 'the bank rejects files (sandbox fault)');
    }
    open(local(remote), mode, 0o640, (error, fd) => {
      if (error) return fail(reqId, error);
      sftp.handle(reqId, newHandle({ kind: 'file', fd, remotePath: remote, written: false }));
    });
  });

  sftp.on('READ', (reqId, handle, offset, length) => {
    const file = lookup(handle);
    if (file?.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE);
    const answer = () => {
      if (closed) return; // a slow answer after the client gave up and hung up
      const buffer = Buffer.allocUnsafe(length);
      read(file.fd, buffer, 0, length, offset, (error, bytesRead) => {
        if (error) return fail(reqId, error);
        if (bytesRead === 0) return sftp.status(reqId, STATUS_CODE.EOF);
        sftp.data(reqId, buffer.subarray(0, bytesRead));
      });
    };
    const delay = ctx.faults().slowReadsMs ?? 0;
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  });

  sftp.on('WRITE', (reqId, handle, offset, data) => {
    const file = lookup(handle);
    if (file?.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE);
    file.written = true;
    write(file.fd, data, 0, data.length, offset, (error) => {
      if (error) return fail(reqId, error);
      sftp.status(reqId, STATUS_CODE.OK);
    });
  });

  sftp.on('FSTAT', (reqId, handle) => {
    const file = lookup(handle);
    if (file?.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE);
    fstat(file.fd, (error, s) => (error ? fail(reqId, error) : sftp.attrs(reqId, attrsOf(s))));
  });

  sftp.on('CLOSE', (reqId, handle) => {
    const entry = lookup(handle);
    if (!entry) return sftp.status(reqId, STATUS_CODE.FAILURE);
    handles.delete(handle.readUInt32BE(0));
    if (entry.kind === 'dir') return sftp.status(reqId, STATUS_CODE.OK);
    close(entry.fd, (error) => {
      if (error) return fail(reqId, error);
      if (entry.written) arrive(entry.remotePath, () => sftp.status(reqId, STATUS_CODE.OK));
      else sftp.status(reqId, STATUS_CODE.OK);
    });
  });

  sftp.on('OPENDIR', (reqId, path) => {
    const remote = resolve(reqId, path);
    if (remote === undefined) return;
    stat(local(remote), (error, s) => {
      if (error) return fail(reqId, error);
      if (!s.isDirectory()) return sftp.status(reqId, STATUS_CODE.FAILURE, 'not a directory');
      sftp.handle(reqId, newHandle({ kind: 'dir', remotePath: remote, entries: undefined, done: false }));
    });
  });

  sftp.on('READDIR', (reqId, handle) => {
    const dir = lookup(handle);
    if (dir?.kind !== 'dir') return sftp.status(reqId, STATUS_CODE.FAILURE);
    if (dir.done) return sftp.status(reqId, STATUS_CODE.EOF);
    readdir(local(dir.remotePath), (error, names) => {
      if (error) return fail(reqId, error);
      const visible = names.filter((name) => !(dir.remotePath === '/' && name === '.sandbox'));
      let pending = visible.length;
      const entries: FileEntry[] = [];
      const done = () => {
        dir.done = true;
        for (const name of ctx.faults().hostileNames ?? []) {
          const now = Math.floor(Date.now() / 1000);
          entries.push({
            filename: name,
            longname: name,
            attrs: { mode: 0o100644, uid: 0, gid: 0, size: 64, atime: now, mtime: now - 3600 },
          });
        }
        if (entries.length === 0) return sftp.status(reqId, STATUS_CODE.EOF);
        sftp.name(reqId, entries);
      };
      if (pending === 0) return done();
      for (const name of visible) {
        lstat(join(local(dir.remotePath), name), (e, s) => {
          if (!e) entries.push({ filename: name, longname: name, attrs: attrsOf(s) });
          if (--pending === 0) done();
        });
      }
    });
  });

  const statLike = (reqId: number, path: string, how: typeof stat) => {
    const remote = resolve(reqId, path);
    if (remote === undefined) return;
    how(local(remote), (error, s) => (error ? fail(reqId, error) : sftp.attrs(reqId, attrsOf(s))));
  };
  sftp.on('STAT', (reqId, path) => statLike(reqId, path, stat));
  sftp.on('LSTAT', (reqId, path) => statLike(reqId, path, lstat as typeof stat));

  const simple = (
    reqId: number,
    path: string,
    op: (p: string, cb: (e: NodeJS.ErrnoException | null) => void) => void,
  ) => {
    const remote = resolve(reqId, path);
    if (remote === undefined) return;
    op(local(remote), (error) => (error ? fail(reqId, error) : sftp.status(reqId, STATUS_CODE.OK)));
  };
  sftp.on('REMOVE', (reqId, path) => simple(reqId, path, unlink));
  sftp.on('RMDIR', (reqId, path) => simple(reqId, path, rmdir));
  sftp.on('MKDIR', (reqId, path) => simple(reqId, path, (p, cb) => mkdir(p, { mode: 0o750 }, (e) => cb(e))));
  sftp.on('SETSTAT', (reqId) => sftp.status(reqId, STATUS_CODE.OK));
  sftp.on('FSETSTAT', (reqId) => sftp.status(reqId, STATUS_CODE.OK));

  sftp.on('RENAME', (reqId, oldPath, newPath) => {
    const from = resolve(reqId, oldPath);
    if (from === undefined) return;
    const to = resolve(reqId, newPath);
    if (to === undefined) return;
    const move = () =>
      rename(local(from), local(to), (error) => {
        if (error) return fail(reqId, error);
        if (posix.basename(to).startsWith('.')) return sftp.status(reqId, STATUS_CODE.OK);
        arrive(to, () => sftp.status(reqId, STATUS_CODE.OK));
      });
    if (!ctx.faults().refuseRenameOverExisting) return move();
    lstat(local(to), (error) => {
      if (!error) return sftp.status(reqId, STATUS_CODE.FAILURE, 'target exists');
      move();
    });
  });

  sftp.on('REALPATH', (reqId, path) => {
    const remote = remotePathOf(path) ?? '/';
    sftp.name(reqId, [{ filename: remote, longname: remote, attrs: {} as Attributes }]);
  });
  sftp.on('READLINK', (reqId) => sftp.status(reqId, STATUS_CODE.OP_UNSUPPORTED));
  sftp.on('SYMLINK', (reqId) => sftp.status(reqId, STATUS_CODE.OP_UNSUPPORTED));
  sftp.on('EXTENDED', (reqId) => sftp.status(reqId, STATUS_CODE.OP_UNSUPPORTED));

  sftp.on('close', () => {
    closed = true;
    for (const entry of handles.values()) if (entry.kind === 'file') close(entry.fd, () => {});
    handles.clear();
  });
}
