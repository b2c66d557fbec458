"""Helpers for the fault tests: processes to find and kill, a private Redis server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.portal.conftest import free_port, wait_until


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after ")"
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    found = []
    todo = [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def ppid(pid: int) -> int:
    stat = (Path("/proc") / str(pid) / "stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def process_running_probes(root: int) -> int | None:
    """The task worker process under ``root`` that runs probes: the parent of a probe
    worker (``python -m connectivity.worker``), or None while none is started."""
    for pid in descendants(root):
        if "connectivity.worker" in cmdline(pid):
            try:
                return ppid(pid)
            except OSError:
                continue
    return None


def kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class PrivateRedis:
    """A redis-server of our own on a free port, which a test may stop and start again."""

    def __init__(self, directory: Path) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.fail("the fault tests need redis-server (Debian package redis-server)")
        self.executable = executable
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with (self.directory / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [self.executable, "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_until(self.answers)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # as abrupt as a crash; nothing is saved (--save "")
            self.process.wait(timeout=20)
        self.process = None


class PrivatePostgres:
    """A PostgreSQL cluster of our own (``initdb`` and ``pg_ctl`` in a temporary
    directory, on a free port), which a test may stop and start again without
    touching the machine's shared server.

    PostgreSQL refuses to run as root; as root, its programs run as the ``postgres``
    user (``runuser``), which owns the directory.
    """

    def __init__(self) -> None:
        bindir = self._bindir()
        self.initdb, self.pg_ctl = bindir / "initdb", bindir / "pg_ctl"
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="cctv-private-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                pytest.fail("as root, the private PostgreSQL needs runuser (util-linux)")
            self.as_postgres = [runuser, "-u", "postgres", "--"]
            shutil.chown(self.directory, "postgres")
        subprocess.run(
            [*self.as_postgres, str(self.initdb), "--pgdata", str(self.data), "--username",
             "postgres", "--auth", "trust", "--encoding", "UTF8", "--no-sync", "--no-instructions"],
            check=True, capture_output=True,
        )  # fmt: skip
        self.start()

    @staticmethod
    def _bindir() -> Path:
        found = shutil.which("pg_config")
        if found:
            bindir = Path(subprocess.check_output([found, "--bindir"], text=True).strip())
            if (bindir / "pg_ctl").exists():
                return bindir
        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not candidates:
            pytest.fail("the fault tests need PostgreSQL's server programs (initdb, pg_ctl)")
        return candidates[-1].parent

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_postgres, str(self.pg_ctl), "--pgdata", str(self.data), "--log",
             str(self.log), "--wait", "--timeout", "120", *args],
            check=True, capture_output=True,
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._ctl("--options", options, "start")

    def stop(self) -> None:
        """A fast shutdown, as a restart for an upgrade does: every connection is cut."""
        self._ctl("--mode", "fast", "stop")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2):
                return True
        except OSError:
            return False

    def copy_database(self, source_url: str, name: str) -> None:
        """Create ``name`` here with the schema and rows of the database at ``source_url``."""
        subprocess.run(
            [*self.as_postgres, str(self.initdb.parent / "createdb"), "--host", "127.0.0.1",
             "--port", str(self.port), "--username", "postgres", name],
            check=True, capture_output=True,
        )  # fmt: skip
        dump = subprocess.run(
            [str(self.initdb.parent / "pg_dump"), "--no-owner", "--no-privileges", source_url],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [str(self.initdb.parent / "psql"), "--quiet", "--set", "ON_ERROR_STOP=1",
             "--dbname", self.url(name)],
            input=dump.stdout, check=True, capture_output=True,
        )  # fmt: skip

    def destroy(self) -> None:
        if self.answers():
            subprocess.run(
                [*self.as_postgres, str(self.pg_ctl), "--pgdata", str(self.data), "--mode",
                 "immediate", "stop"],
                capture_output=True,
            )  # fmt: skip
        shutil.rmtree(self.directory, ignore_errors=True)
