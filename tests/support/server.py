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

    def kill(self) -> None:
        """Ends the server at once with SIGKILL, as a crash or an out-of-memory kill would."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def restart(self, timeout: float = 30.0) -> None:
        """Starts the server again on the same port, data folder and database."""
        self.stop()
        self.start(timeout)


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
