"""An asyncssh SFTP server for the interop tests (Debian python3-asyncssh, run with /usr/bin/python3).

argv: root_dir host_key_path authorized_keys_path username password [rekey_bytes]
Listens on 127.0.0.1, an OS-chosen port, prints {"port": N, "version": "..."} on stdout once listening, and exits
when stdin closes, so it never outlives the test that started it. The SFTP root is chrooted to root_dir.
"""

import asyncio
import json
import sys
import warnings

warnings.simplefilter("ignore")
import asyncssh  # noqa: E402


def main() -> None:
    root, host_key, authorized, username, password = sys.argv[1:6]
    rekey_bytes = int(sys.argv[6]) if len(sys.argv) > 6 else None

    class Server(asyncssh.SSHServer):
        def begin_auth(self, user: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, user: str, pw: str) -> bool:
            return user == username and pw == password

    class ChrootSFTP(asyncssh.SFTPServer):
        def __init__(self, chan):
            super().__init__(chan, chroot=root.encode())

    async def serve() -> None:
        options = {}
        if rekey_bytes:
            options["rekey_bytes"] = rekey_bytes
        server = await asyncssh.listen(
            "127.0.0.1",
            0,
            server_factory=Server,
            server_host_keys=[host_key],
            authorized_client_keys=authorized,
            sftp_factory=ChrootSFTP,
            allow_scp=False,
            **options,
        )
        port = server.sockets[0].getsockname()[1]
        print(json.dumps({"port": port, "version": asyncssh.__version__}), flush=True)
        loop = asyncio.get_running_loop()
        stdin_closed = loop.create_future()

        def watch_stdin() -> None:
            sys.stdin.buffer.read()
            loop.call_soon_threadsafe(stdin_closed.set_result, None)

        loop.run_in_executor(None, watch_stdin)
        await stdin_closed
        server.close()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
