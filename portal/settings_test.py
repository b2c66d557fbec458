"""Test settings: the real settings plus a fast hasher and an in-process cache.

The database comes from DATABASE_URL like everywhere else (PostgreSQL in CI).
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "S6Yq2x0ZkQk2wTgqF3H3rj0cTqWJ0QmEfbq1Y8m5m0A=")
os.environ.setdefault("TASK_ENGINE", "immediate")
os.environ.setdefault("CACHE_URL", "locmem")
# Celery tests use their own Redis database (and their own queue per test).
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("CONNECTIVITY_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
os.environ.setdefault("CONNECTIVITY_ANY_PORT_IN_ALLOWED_NETWORKS", "true")
# Rate limits off by default in tests (many checks hit 127.0.0.1); their own tests set them.
os.environ.setdefault("CONNECTIVITY_RATE_LIMIT_PER_USER", "0")
os.environ.setdefault("CONNECTIVITY_RATE_LIMIT_PER_HOST", "0")
# Dashboards re-read their change stamp on every request (a test moves and looks at once).
os.environ.setdefault("DASHBOARD_MEMO_SECONDS", "0")

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
ACCOUNT_RATE_LIMITS = False  # type: ignore[assignment]
MFA_RATE_LIMITS = False  # type: ignore[assignment]
