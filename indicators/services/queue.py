"""Sending work to the Celery broker by task name: the retry policy and the errors that mean "unreachable".

Shared by runs and uploads, so that neither imports indicators/tasks.py (tasks import the services).
"""

import redis.exceptions
from kombu.exceptions import OperationalError as BrokerOperationalError

# One retry covers a pooled connection that Redis dropped (it fails at once and the retry reconnects); a
# broker that hangs costs REDIS_SOCKET_TIMEOUT per attempt, so more retries would only make users wait.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
BROKER_ERRORS = (BrokerOperationalError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
