"""Fixtures of the operations tests: fresh empty databases, a real server process, Redis."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from questionnaire import create_app

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def config_for(url: str, **extra: Any) -> dict[str, Any]:
    """Return the configuration the suite's own app fixture uses, for another database."""
    return {
        "TESTING": True,
        "SECRET_KEY": secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": url,
        "RATELIMIT_STORAGE_URI": "memory://",
        **extra,
    }


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a new, empty database of the same kind as the suite's (no schema at all)."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"thbq_restore_{secrets.token_hex(6)}"
    admin = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def other_app() -> Iterator[Callable[[str], Flask]]:
    """Return a factory of applications bound to another database (disposed afterwards)."""
    made: list[Flask] = []

    def factory(url: str) -> Flask:
        application = create_app(config_for(url))
        made.append(application)
        return application

    yield factory
    from questionnaire.db import db

    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


# ---------------------------------------------------------------------------
# A real server process
# ---------------------------------------------------------------------------


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """The application under gunicorn in its own process group, on loopback."""

    def __init__(
        self,
        database_url: str,
        secret_key: str,
        workers: int = 2,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.secret_key = secret_key
        self.workers = workers
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.log = b""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        """Start gunicorn and wait until /healthz answers."""
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": self.secret_key,
            "PYTHONPATH": str(ROOT),
            **self.extra_env,
        }
        env.pop("FLASK_DEBUG", None)
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "-w",
                str(self.workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--timeout",
                "60",
                "questionnaire.wsgi:app",
            ],
            env=env,
            cwd=str(ROOT),
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read() if self.process.stdout else b""
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}: {output.decode()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        self.kill()
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def kill(self) -> None:
        """Kill the master and every worker at once with SIGKILL: no clean shutdown of anything."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        if self.process.stdout:
            self.log += self.process.stdout.read()
        self.process = None

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), or kill if it does not stop."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()
            return
        if self.process and self.process.stdout:
            self.log += self.process.stdout.read()
        self.process = None


@pytest.fixture
def server_factory() -> Iterator[Callable[..., Server]]:
    """Return a factory of gunicorn servers; every one still running is killed afterwards."""
    servers: list[Server] = []

    def factory(database_url: str, secret_key: str, **kwargs: Any) -> Server:
        server = Server(database_url, secret_key, **kwargs)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()
