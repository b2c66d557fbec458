"""Work in flight: every kind of work with a status has a deadline and a reaper.

A worker can die in the middle of a task (out of memory, a deploy, a machine
restart) and a broker can be down when work is queued. Nothing may then stay
"queued" or "running" for ever. Each kind of work (a connectivity check, an
import, an outbox message, ...) registers itself here, next to its model, in its
app's ``tasks`` module::

    from portal import inflight

    inflight.register(
        inflight.Kind(
            name="connectivity.check",
            in_flight=selectors.checks_in_flight,   # (now) -> QuerySet: the one definition
            overdue=selectors.checks_overdue,       # (now) -> QuerySet: past the deadline
            reap=services.checks_reap,              # (now) -> Reaped: mark lost, re-queue if safe
            sweep=services.checks_sweep,            # (now) -> int: hand unsent work to the engine
            requeue="scheduled re-checks (a probe only reads)",
        )
    )

The deadline of an item comes from its kind's own budget (how long a probe,
an import or a send may take). ``portal.tasks.reap_lost_work`` runs every
minute on whichever engine runs and calls :func:`reap_all`; a reaped item is
shown as failed with a reason people can read, and re-queued only where running
it twice is harmless (see each kind's ``requeue``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reaped:
    """What one reaper pass did to one kind: items marked lost, and how many re-queued."""

    lost: int = 0
    requeued: int = 0


@dataclass(frozen=True)
class Kind:
    name: str
    #: the items queued or running and still within their deadline
    in_flight: Callable[[datetime], QuerySet[Any]]
    #: the items still marked queued or running but past their deadline
    overdue: Callable[[datetime], QuerySet[Any]]
    #: mark the overdue items failed ("lost"), re-queue those that are safe to re-run
    reap: Callable[[datetime], Reaped]
    #: hand to the engine what was recorded while the broker was down (None: nothing to do)
    sweep: Callable[[datetime], int] | None = None
    #: one sentence: what the reaper re-queues, and why that is safe (or "nothing")
    requeue: str = "nothing"


@dataclass(frozen=True)
class KindReport:
    name: str
    lost: int = 0
    requeued: int = 0
    swept: int = 0
    error: str = ""  # why this kind's pass failed (the next pass tries again)


_registry: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    if not isinstance(kind, Kind):
        raise TypeError("register() takes an inflight.Kind")
    _registry[kind.name] = kind
    return kind


def kinds() -> list[Kind]:
    """Every registered kind, after importing each app's ``tasks`` module."""
    autodiscover_modules("tasks")
    return sorted(_registry.values(), key=lambda kind: kind.name)


def reap_all(*, now: datetime | None = None) -> list[KindReport]:
    """Reap every kind's overdue items and sweep its unsent ones.

    One kind failing (its table is locked, a bug) does not stop the others; the
    error is logged and the next pass tries again.
    """
    now = now or timezone.now()
    reports = []
    for kind in kinds():
        try:
            reaped = kind.reap(now)
            swept = kind.sweep(now) if kind.sweep is not None else 0
        except Exception as exc:
            logger.exception("reaping %s failed; the next pass tries again", kind.name)
            reports.append(KindReport(name=kind.name, error=f"{type(exc).__name__}: {exc}"))
            continue
        if reaped.lost or swept:
            logger.warning(
                "%s: %d lost (%d re-queued), %d handed to the task engine",
                kind.name,
                reaped.lost,
                reaped.requeued,
                swept,
            )
        reports.append(
            KindReport(name=kind.name, lost=reaped.lost, requeued=reaped.requeued, swept=swept)
        )
    return reports


def report_json(report: KindReport) -> dict[str, int | str]:
    counts: dict[str, int | str] = {
        "lost": report.lost,
        "requeued": report.requeued,
        "swept": report.swept,
    }
    if report.error:
        counts["error"] = report.error
    return counts


def stuck_counts(*, now: datetime | None = None) -> dict[str, int]:
    """How many items of each kind are past their deadline and not reaped yet."""
    now = now or timezone.now()
    return {kind.name: kind.overdue(now).count() for kind in kinds()}
