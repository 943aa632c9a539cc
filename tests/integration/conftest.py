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
    """start_worker(app=..., **env) -> a fresh ``celery worker`` on the test database (as celery_worker_process).

    ``app`` is the module given to ``celery -A``: ``config`` (the production app) unless a test-only module
    such as tests/integration/slow_worker.py is named.
    """
    if not ON_SERVER_BACKEND:
        pytest.skip("needs PostgreSQL + Redis")
    from config.celery import app

    with django_db_blocker.unblock():
        from django.db import connection

        db_name = connection.settings_dict["NAME"]
    started = []

    def start(app_module="config", **extra_env):
        env = {**_worker_env(db_name), **extra_env}
        log_path = ROOT / "var" / f"celery-engine-{os.getpid()}-{len(started)}.log"
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", app_module, "worker", "--pool=prefork", "--concurrency=1",
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


@pytest.fixture
def silent_redis():
    """A "Redis" that accepts TCP connections and never reads nor answers (a hung server, a half-open NAT).

    Yields its redis:// URL. Every accepted socket is kept open (never closed, never read) until teardown.
    """
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except (TimeoutError, OSError):
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    server.close()


def closed_port_url() -> str:
    """A redis:// URL on a port nobody listens on (connections are refused at once)."""
    return f"redis://127.0.0.1:{free_port()}/0"


def session_headers(user) -> dict:
    """Cookie + CSRF headers of a logged-in session of ``user``, for HTTP calls to a server subprocess."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    token = "a" * 32  # an unmasked CSRF secret is accepted as the header token
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={token}", "X-CSRFToken": token}


def server_env(redis_url: str) -> dict:
    """Environment of a manage.py subprocess on the test database with ``redis_url`` as its Redis."""
    from django.conf import settings
    from django.db import connection

    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    return {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "DEBUG": "1", "ATLAS_HTTPS": "0",
            "SECRET_KEY": settings.SECRET_KEY, "VAR_DIR": str(ROOT / "var")}


def http(method, url, body=None, headers=None, timeout=30):
    """(status, JSON body) of one request; HTTP errors are answers too."""
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw or b"null")
        except ValueError:
            return exc.code, {"detail": raw.decode(errors="replace")[-3000:]}


@pytest.fixture
def web_server():
    """web_server(redis_url) -> base URL of a ``manage.py runserver`` on the test database and that Redis."""
    import urllib.error

    started = []

    def start(redis_url: str) -> str:
        port = free_port()
        log = open(ROOT / "var" / f"runserver-{os.getpid()}-{len(started)}.log", "w")
        proc = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                                cwd=ROOT, env=server_env(redis_url), stdout=log, stderr=subprocess.STDOUT)
        started.append((proc, log))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                http("GET", f"{base}/api/v1/indicators/", timeout=5)
                return base
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"runserver did not start; see {log.name}") from None
                time.sleep(0.3)

    yield start
    for proc, log in started:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
