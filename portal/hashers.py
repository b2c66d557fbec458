"""The password hasher: Argon2id with parameters measured on our machines.

On the 2-core reference machine (2026-12-02) one PBKDF2 hash with Django 6.1's
1.5 million iterations took 0.56-1.05 s, and Django's own Argon2 defaults (100 MiB,
2 passes, 8 lanes) 0.29-0.63 s. These parameters are OWASP's first recommended
Argon2id setting (m=19 MiB, t=2, p=1): 26-60 ms per hash there, 19 MiB per
sign-in in flight, 13.9x the sign-ins per second of PBKDF2 (bench/signin_bench.py).
Figures in docs/operations.md ("Password hashing").

Changing a parameter is safe: Django re-hashes a password with the new ones at
its owner's next sign-in (``must_update``).
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Django's Argon2 hasher (argon2-cffi, Argon2id) with our measured parameters."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
