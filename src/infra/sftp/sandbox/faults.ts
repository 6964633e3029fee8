/**
 * Fault switches of a sandbox bank, settable at run time (`sandbox.setFaults(bankCode, {...})`), and the error
 * class the client reports for each (tested in sandbox-faults.test.ts):
 * - `refuseConnections`: the port stops listening -> `connection_refused` (backoff);
 * - `dropAfterBytes`: a connection is cut after the server received that many bytes -> `connection_lost`
 *   (backoff); nothing appears under the final name, the next attempt completes the upload;
 * - `slowReadsMs`: every READ answered that much later -> `timeout` (retry_now) when above the operation timeout;
 * - `refuseRenameOverExisting`: a rename onto an existing name fails -> the upload compares the file there:
 *   `already_done` when identical, else `remote_conflict` (critical); never an overwrite;
 * - `moveAwayOnArrival`: every file written into the upload path is taken away at once (a bank that grabs
 *   files as they land, temp names included) -> the size check finds nothing: `no_such_path` (backoff);
 * - `legacyAlgorithmsOnly`: only diffie-hellman-group14-sha1 / ssh-rsa offered -> `handshake_failed` (backoff)
 *   unless the bank config enables those algorithms for that bank.
 * - `hostileNames`: every directory listing also offers these names (as 64-byte regular files), names no
 *   file system would hold (`../x`, `/etc/passwd`, NUL): a compromised or hostile bank server. The client
 *   reports them as rejected names and never asks for them (tested in test/security/remote-names.test.ts).
 * - `rejectFiles`: every open for writing is refused with PERMISSION_DENIED (a bank refusing our files);
 * - `resultDelaySeconds`: reconciliation files of payment files arriving from now on come that much later
 *   (instead of `sandbox.reconciliation_delay_seconds`).
 * Five of them are switchable on the running service (`banking-sftp sandbox fault`, POST /sandbox/faults):
 * refuseConnections, slowReadsMs (stall), dropAfterBytes, rejectFiles, resultDelaySeconds.
 */
export interface SandboxFaults {
  rejectFiles?: boolean;
  resultDelaySeconds?: number;
  refuseConnections?: boolean;
  dropAfterBytes?: number;
  slowReadsMs?: number;
  refuseRenameOverExisting?: boolean;
  moveAwayOnArrival?: boolean;
  legacyAlgorithmsOnly?: boolean;
  hostileNames?: string[];
}

export const LEGACY_ALGORITHMS = {
  kex: ['diffie-hellman-group14-sha1'],
  serverHostKey: ['ssh-rsa'],
} as const;
