"""Settings of the sign-in benchmark's "after" server: the production settings.

Only allauth's rate limits are off (they allow 30 sign-ins a minute from one
address, and every benchmark request comes from 127.0.0.1).
"""

from portal.settings import *  # noqa: F403

ACCOUNT_RATE_LIMITS = False
