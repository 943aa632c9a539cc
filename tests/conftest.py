"""Shared test fixtures.

The suite runs twice (see the Makefile): on the embedded backend (SQLite, in-process tasks) and on
PostgreSQL + Redis, where integration tests also start a real ``celery worker`` process.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
ON_SERVER_BACKEND = bool(os.environ.get("DATABASE_URL")) and bool(os.environ.get("REDIS_URL"))


def pytest_collection_modifyitems(config, items):
    if ON_SERVER_BACKEND:
        return
    skip = pytest.mark.skip(reason="integration: runs in the PostgreSQL + Redis pass (make test-postgres)")
    for item in items:
        if "integration" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _export_cache_dir(settings, tmp_path):
    """Each test its own directory of large API bodies kept on disk (config/api_files.py)."""
    settings.ATLAS_EXPORT_CACHE_DIR = tmp_path / "api-files"
    from config.api_fastcache import local_entries

    local_entries.clear()  # and the API responses this process kept (their cache.clear() is per test)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Path(settings.DATA_DIR)
    if not (path / "README.md").exists():
        pytest.fail(f"DATA_DIR {path} does not hold the reference data (set DATA_DIR to ../shared/data)")
    return path


@pytest.fixture(scope="session")
def oracle_dir(data_dir) -> Path:
    return data_dir.parent / "oracle"


def _worker_env(db_name: str) -> dict:
    env = dict(os.environ)
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + db_name
    env.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": settings.SECRET_KEY, "ATLAS_HTTPS": "0"})
    return env


@pytest.fixture
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real ``celery -A config worker`` on the test database and the test Redis.

    Yields a handle with ``.proc`` (the Popen) and ``.kill()`` (SIGKILL, as a crash would).
    Tests using it must use ``transaction=True`` so the worker sees committed rows.
    """
    if not ON_SERVER_BACKEND:
        pytest.skip("needs PostgreSQL + Redis")
    from config.celery import app

    with django_db_blocker.unblock():
        from django.db import connection

        db_name = connection.settings_dict["NAME"]
    app.control.purge()
    log = open(ROOT / "var" / f"celery-worker-{os.getpid()}.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=2",
         "--loglevel=INFO", "--without-gossip", "--without-mingle", "-n", f"test-{os.getpid()}@%h"],
        cwd=ROOT, env=_worker_env(db_name), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited with {proc.returncode}; see {log.name}")
        replies = app.control.ping(timeout=0.5)
        if replies:
            break
    else:
        proc.kill()
        raise RuntimeError(f"celery worker did not answer ping in 60 s; see {log.name}")

    class Handle:
        def __init__(self):
            self.proc = proc
            self.log_path = log.name

        def kill(self):
            # The whole process group: the main process and its prefork children die at once.
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    handle = Handle()
    yield handle
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    log.close()
