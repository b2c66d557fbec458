"""gunicorn settings of the web process: the container, a plain install and the
benchmarks (``bench/*.py``) all start gunicorn with this file, so what is measured
is what runs (docs/operations.md, "Deploying").

gthread workers: one process per core plus one (``WEB_CONCURRENCY``), each with
``GUNICORN_THREADS`` threads, so a process keeps its core busy while one of its
requests waits for PostgreSQL or Redis. ``--bind`` and ``--access-logfile`` are
given on the command line.
"""

import os

wsgi_app = "portal.wsgi:application"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Idle keep-alive connections (a proxy in front, or a benchmark's load generator).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "30"))
# A long CSV/XLSX export streams for a while; gthread workers stay alive meanwhile.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
backlog = 256
