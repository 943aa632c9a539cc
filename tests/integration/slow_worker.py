"""Test-only Celery entry point: the production app, whose indicator write step first sleeps.

``celery -A tests.integration.slow_worker worker`` lets the SIGKILL test kill a worker mid-run at a known
point (after "compute", before "write") without any hook in production code.
"""

import time

from celery.signals import worker_process_init

from config.celery import app

__all__ = ["app"]
PAUSE_BEFORE_WRITE = 120  # seconds; far longer than the test needs to kill the worker


@worker_process_init.connect
def _slow_down_the_write(**_):
    # Each prefork child patches its own copy once Django is set up (the signal fires after the fork).
    from indicators.services import runs

    write = runs.release_values_replace

    def paused_write(*args, **kwargs):
        time.sleep(PAUSE_BEFORE_WRITE)
        return write(*args, **kwargs)

    runs.release_values_replace = paused_write
