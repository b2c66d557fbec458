"""Settings of the web benchmark: the production settings plus one trivial URL.

Only bench/web_bench.py uses this module (it points gunicorn at it); the
middleware, templates, cache and database configuration are exactly those of
``portal.settings`` read from the same environment variables.
"""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.web_bench_urls"
