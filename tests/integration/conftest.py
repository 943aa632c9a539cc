"""Helpers for the engine's integration tests: more worker processes, a private Redis, a web server."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import ON_SERVER_BACKEND, ROOT, _worker_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Worker:
    def __init__(self, proc, log_path):
        self.proc, self.log_path = proc, log_path

    def kill(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(django_db_setup, django_db_blocker):
    """start_worker(**env) -> a fresh ``celery worker`` on the test database (as celery_worker_process)."""
    if not ON_SERVER_BACKEND:
        pytest.skip("needs PostgreSQL + Redis")
    from config.celery import app

    with django_db_blocker.unblock():
        from django.db import connection

        db_name = connection.settings_dict["NAME"]
    started = []

    def start(**extra_env):
        env = {**_worker_env(db_name), **extra_env}
        log_path = ROOT / "var" / f"celery-engine-{os.getpid()}-{len(started)}.log"
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=1",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "-n", f"engine-{os.getpid()}-{len(started)}@%h"],
            cwd=ROOT, env=env, stdout=open(log_path, "w"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        worker = Worker(proc, log_path)
        started.append(worker)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"celery worker exited with {proc.returncode}; see {log_path}")
            if any(worker_name.startswith(f"celery@engine-{os.getpid()}-{len(started) - 1}@")
                   or f"engine-{os.getpid()}-{len(started) - 1}@" in worker_name
                   for reply in app.control.ping(timeout=0.5) for worker_name in reply):
                return worker
        worker.kill()
        raise RuntimeError(f"celery worker did not answer ping in 60 s; see {log_path}")

    app.control.purge()
    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def private_redis():
    """A throw-away redis-server on a free port (never the shared one); yields its URL and a stop()."""
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
                             "--bind", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)

    class Handle:
        url = f"redis://127.0.0.1:{port}/0"

        @staticmethod
        def stop():
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)

    yield Handle
    Handle.stop()
