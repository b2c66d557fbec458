"""Consent benchmark: what the consent filter costs the police lists, and chain figures.

What it does
1. Prepares a database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cctv_consent_bench):
   migrate and ``seed_demo --cameras N`` (default 20,000; idempotent). ``seed_demo`` calls
   ``consent_seed_terms``, which writes the demo owners' agreements; that time is printed.
2. For a Polres commander, a Bhabinkamtibmas and a Command Center operator of the demo,
   times the police camera list (``registry.scoping.cameras_visible_to``, consent-filtered)
   against the baseline in the same run: the same jurisdiction query without the consent
   filter. Prints rows, median ms of each and the ratio.
3. Times ``verify_consent_chain`` over the whole chain and 50 signatures appended one by one.

Run:  .venv/bin/python bench/consent_bench.py [--cameras 20000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_ms(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cameras", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cctv_consent_bench")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "S6Yq2x0ZkQk2wTgqF3H3rj0cTqWJ0QmEfbq1Y8m5m0A=")
    os.environ.setdefault("TASK_ENGINE", "immediate")
    os.environ.setdefault("CACHE_URL", "locmem")
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        import psycopg

        url = os.environ["DATABASE_URL"]
        base, name = url.rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as admin:
            exists = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                admin.execute(f'CREATE DATABASE "{name}"')

    call_command("migrate", verbosity=0)
    from consent.models import ConsentRecord

    before = ConsentRecord.objects.count()
    started = time.perf_counter()
    call_command("seed_demo", cameras=args.cameras, verbosity=0, stdout=open(os.devnull, "w"))
    seeded = time.perf_counter() - started
    added = ConsentRecord.objects.count() - before
    print(f"seed_demo --cameras {args.cameras}: {seeded:.1f} s ({added} consent records added)")

    from owners.models import Camera
    from police.models import Officer, OfficerRole
    from registry import scoping as roles

    def officer(role: str) -> Officer | None:
        return (
            Officer.objects.filter(role=role, user__email__endswith="demo.cctvwarga.id")
            .select_related("user", "unit")
            .first()
        )

    print(f"{'police list':34} {'rows':>7} {'consent ms':>11} {'baseline ms':>12} {'ratio':>6}")
    for role in (OfficerRole.COMMANDER, OfficerRole.BHABINKAMTIBMAS, OfficerRole.OPERATOR):
        o = officer(role)
        if o is None:
            continue
        user = o.user

        def filtered(user=user) -> int:
            return len(list(roles.cameras_visible_to(user).values_list("pk", flat=True)))

        def baseline(user=user) -> int:
            sites = roles.sites_in_jurisdiction_of(user)
            return len(
                list(Camera.objects.filter(recorder__site__in=sites).values_list("pk", flat=True))
            )

        rows = filtered()
        consent_ms = median_ms(filtered, args.repeat)
        base_ms = median_ms(baseline, args.repeat)
        label = f"{role} ({o.unit.name})"[:34]
        print(
            f"{label:34} {rows:>7} {consent_ms:>11.1f} {base_ms:>12.1f} "
            f"{consent_ms / base_ms if base_ms else float('nan'):>6.2f}"
        )

    from consent.services import chain_verify

    started = time.perf_counter()
    report = chain_verify()
    verify_s = time.perf_counter() - started
    print(f"verify_consent_chain: {report.checked} records in {verify_s:.2f} s (ok={report.ok})")

    from consent.selectors import current_terms
    from consent.services import agreement_sign
    from owners.models import MemberRole, Membership

    membership = (
        Membership.objects.filter(role=MemberRole.ADMIN)
        .select_related("owner", "user")
        .order_by("pk")
        .first()
    )
    if membership is not None:
        cameras = list(Camera.objects.filter(recorder__site__owner=membership.owner)[:1])
        terms = current_terms()
        if cameras and terms is not None:
            started = time.perf_counter()
            for _ in range(50):
                agreement_sign(
                    owner=membership.owner,
                    user=membership.user,
                    terms=terms,
                    cameras=cameras,
                    scopes=["a"],
                    signer_name="Bench Signer",
                    confirmed=True,
                    language="id",
                    authority_statement="Kuasa untuk pengukuran.",
                )
            per = (time.perf_counter() - started) * 1000 / 50
            print(f"agreement_sign: {per:.1f} ms per signature (50 in a row)")


if __name__ == "__main__":
    main()
