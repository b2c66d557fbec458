"""Settings of the sign-in benchmark's "before" server: Django's default hashers.

As the project was before Argon2id: PBKDF2 first (new and upgraded hashes use it),
the others only to verify. Rate limits off as in ``signin_bench_settings``.
"""

from bench.signin_bench_settings import *  # noqa: F403

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
