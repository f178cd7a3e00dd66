"""Gunicorn in the container (README, "Production"): how many processes and threads.

Every thread keeps its own PostgreSQL connection open (CONN_MAX_AGE), so one web container holds
up to WEB_CONCURRENCY x WEB_THREADS connections.
"""

import os
import sys


def _count(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        # The same one-line refusal as the settings module, not a traceback.
        sys.stderr.write(f"Configuration error: {name} must be a whole number of at least 1, not {value!r}\n")
        raise SystemExit(2)
    return int(value)


# gunicorn itself parses WEB_CONCURRENCY before reading this file, so a value that is not a number
# stops it there with its own traceback; this catches 0 and negative counts.
workers = _count("WEB_CONCURRENCY", 3)
threads = _count("WEB_THREADS", 4)

# The worker heartbeat file on the container's overlay file system can block a worker for
# seconds; /dev/shm is memory, and private to the container.
worker_tmp_dir = "/dev/shm"  # noqa: S108
# Restarting each process now and then bounds slow memory growth; the jitter keeps them from
# restarting all at once.
max_requests = 1000
max_requests_jitter = 100

accesslog = "-"
errorlog = "-"
