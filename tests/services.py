"""Real Redis and PostgreSQL servers from Debian's packages, started on free local ports for the tests.

`RedisServer.start(folder)` and `PostgresServer.start(folder)` run the servers the machine has
(`redis-server`; PostgreSQL's `initdb`/`pg_ctl` from `/usr/lib/postgresql/<version>/bin` or PATH),
listening on 127.0.0.1 only, with their data in a temporary folder removed on `stop()`.
`.ci/run` installs the packages; the fixtures in conftest.py (`redis_server`, `redis_url`,
`postgres_server`, `postgres_url`) fail under `CI=true` when a server is missing and skip elsewhere.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path


class ServiceMissing(RuntimeError):
    """The machine has no such server installed."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_port(port: int, deadline_s: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"no server answered on 127.0.0.1:{port} within {deadline_s} s")


def redis_command(port: int, *words: str) -> bytes:
    """Send one command in Redis's protocol and return the raw first reply (no client library needed)."""
    payload = f"*{len(words)}\r\n".encode() + b"".join(
        f"${len(w.encode())}\r\n".encode() + w.encode() + b"\r\n" for w in words
    )
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(payload)
        return conn.recv(65536)


@dataclass
class RedisServer:
    """`redis-server` on a free port of 127.0.0.1, without persistence unless `persistent` (as a
    queue's Redis must be: an append-only file); `restart()` keeps the port."""

    port: int
    folder: Path
    process: subprocess.Popen[bytes] | None = None
    persistent: bool = False  # an append-only file written at every command: a restart loses nothing

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @classmethod
    def start(cls, folder: Path | None = None, persistent: bool = False) -> RedisServer:
        if shutil.which("redis-server") is None:
            raise ServiceMissing("redis-server is not installed (Debian package redis-server)")
        server = cls(
            port=free_port(),
            folder=folder or Path(tempfile.mkdtemp(prefix="oint-redis-")),
            persistent=persistent,
        )
        server._run()
        return server

    def _run(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes" if self.persistent else "no",
                *(["--appendfsync", "always"] if self.persistent else []),
                "--dir",
                str(self.folder),
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port, 10, self.process)

    def flush(self) -> None:
        redis_command(self.port, "FLUSHALL")

    def kill(self) -> None:
        """Stop the server at once (SIGKILL), as a crash would; `revive()` starts it again on the port."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def revive(self) -> None:
        self._run()

    def restart(self) -> None:
        self.kill()
        self.revive()

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def _postgres_bin() -> Path:
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
    )
    if versions:
        return Path(versions[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise ServiceMissing("PostgreSQL is not installed (Debian package postgresql)")


@dataclass
class PostgresServer:
    """A throw-away PostgreSQL cluster on a free port of 127.0.0.1 (trust authentication, no fsync).

    PostgreSQL refuses to run as root: as root the cluster belongs to Debian's `postgres` user.
    """

    port: int
    folder: Path
    bin: Path
    databases: list[str] = field(default_factory=list)

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    @classmethod
    def start(cls) -> PostgresServer:
        bin_dir = _postgres_bin()
        folder = Path(tempfile.mkdtemp(prefix="oint-pg-"))
        server = cls(port=free_port(), folder=folder, bin=bin_dir)
        server._init()
        return server

    def _as_owner(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise ServiceMissing("running as root and there is no 'postgres' user to run PostgreSQL") from exc
        runuser = shutil.which("runuser")
        if runuser is None:
            raise ServiceMissing("running as root and runuser is missing")
        return [runuser, "-u", "postgres", "--"]

    def _init(self) -> None:
        data = self.folder / "data"
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self.folder.chmod(0o700)
        prefix = self._as_owner()
        subprocess.run(
            [
                *prefix,
                str(self.bin / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8" if _has_c_utf8() else "--locale=C",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            [
                *prefix,
                str(self.bin / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(self.folder / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _wait_for_port(self.port, 30)

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its URL."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        subprocess.run(
            [
                str(self.bin / "psql") if (self.bin / "psql").exists() else "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-c",
                f'CREATE DATABASE "{name}"',
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.databases.append(name)
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(
            [
                *self._as_owner(),
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def _has_c_utf8() -> bool:
    return (
        any(Path(p).name.lower() in {"c.utf8", "c.utf-8"} for p in glob.glob("/usr/lib/locale/*"))
        or Path("/usr/lib/locale/C.utf8").exists()
    )
