"""A real server for tests that need one over a real socket: a child process (browsers, several
processes, signals), or a thread of the test process when a test instruments the server itself."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

# Registration codes are on by default (docs/self-hosting.md); the app's tests register without one.
TEST_SERVER_ENV = {
    "REGISTRATION": "open",
    "ANONYMOUS_RATE_PER_MINUTE": "1000000",
    "REGISTRATIONS_PER_MINUTE": "1000000",
    # Tests talk to loopback only: Leave now goes to the app's own neutral page unless a test sets a site.
    "QUICK_EXIT_URL": "",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ServerProcess:
    """``support-circle serve`` in a child process, on loopback, with its log in a file.

    ``command`` (after ``python``) may start another app that reads the same environment.
    """

    data_dir: Path
    static_dir: Path
    database_url: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    command: tuple[str, ...] = ("-m", "support_circle", "serve")
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / f"server-{self.port}.log"

    def start(self, timeout: float = 30.0) -> None:
        env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(self.port), "DATA_DIR": str(self.data_dir)}
        env["STATIC_DIR"] = str(self.static_dir)
        # Tests make many devices from one address at once, without codes; a test that checks a limit
        # or the registration policy sets its own in ``env``.
        env.update(TEST_SERVER_ENV)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(self.env)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, *self.command], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_until_ready(timeout)

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited at start:\n{self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server was not ready within {timeout}s:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def workers(self) -> dict[int, set[int]]:
        """The server's worker processes (its children that listen on its port), each with the
        client ports of the connections it holds, read from ``/proc`` (Linux)."""
        assert self.process is not None
        sockets = _tcp_sockets()
        found = {}
        for pid in _children(self.process.pid):
            mine = [sockets[inode] for inode in _socket_inodes(pid) if inode in sockets]
            if any(port == self.port and state == _LISTENING for port, _, state in mine):
                found[pid] = {peer for port, peer, state in mine if port == self.port and state == _OPEN}
        return found

    def wait_for_workers(self, count: int, timeout: float) -> None:
        """Until each of ``count`` workers has answered a request (the server is ready as soon as
        one is): fresh connections until each worker has held one. One worker is the server's
        own process, ready already."""
        if count == 1:
            return
        answered: set[int] = set()
        deadline = time.monotonic() + timeout
        while len(answered) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(answered)} of {count} workers answered within {timeout}s")
            with httpx.Client(base_url=self.url, timeout=10) as http:
                port = client_port(http.get("/healthz"))
                answered |= {pid for pid, peers in self.workers().items() if port in peers}

    def kill(self) -> None:
        """Ends the server at once with SIGKILL, as a crash or an out-of-memory kill would."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def restart(self, timeout: float = 30.0) -> None:
        """Starts the server again on the same port, data folder and database."""
        self.stop()
        self.start(timeout)


_LISTENING, _OPEN = "0A", "01"  # TCP states as /proc/net/tcp writes them


def client_port(response: httpx.Response) -> int:
    """The local port of the connection ``response`` came over."""
    port: int = response.extensions["network_stream"].get_extra_info("client_addr")[1]
    return port


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return children


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def _tcp_sockets() -> dict[int, tuple[int, int, str]]:
    """Each TCP socket's inode: its local port, its peer's port and its state."""
    sockets = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            columns = line.split()
            local, remote, state, inode = columns[1], columns[2], columns[3], int(columns[9])
            sockets[inode] = (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16), state)
    return sockets


class ThreadServer:
    """``app`` served by uvicorn on a loopback socket from a thread of the test process: a real
    server over a real socket whose engine and hub a test can reach (``app.state``) once started.

    ``with ThreadServer(app) as server:``; streams still open at the end are cut after a few seconds.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on", timeout_graceful_shutdown=3
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="thread-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "ThreadServer":
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the server stopped while starting")
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 30s")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
