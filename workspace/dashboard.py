"""Reads of the police dashboard: funnel, target, trend, breakdown, outages, queue age.

Counts come from the rollups (``workspace.rollups``), never from counting the
enrolments per request. They follow the public definitions
(``registry.progress``): *counted* = verified + connected + stickered, *in
process* = submitted + checked, and they count every enrolment in the
jurisdiction, as the public page does. What needs the enrolment rows (the
median wait, cameras counted but not listed) is computed once per change of
``registry.progress.progress_stamp`` and cached.

Each web process reads the change stamp at most once per
``DASHBOARD_MEMO_SECONDS`` (1 s by default) and keeps what it read from the
shared cache (the rendered board, its outages, the unit's programs) in a small
in-process table in front of it, as ``cms.page_cache`` does for public pages:
a steady stream of dashboard requests then costs no query and no cache round
trip beyond signing in, and a change shows within that second.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, OuterRef, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from connectivity.models import RecorderStatusEvent
from consent.models import Scope as ConsentScope
from consent.selectors import camera_ids_with_scope
from owners.models import (
    CONNECTED_STATES,
    Enrolment,
    EnrolmentState,
    EnrolmentTransition,
    Recorder,
)
from police.jurisdiction import programs_visible_to, unit_and_descendants
from police.models import Officer, OfficerRole, PoliceUnit, Program, Region
from police.targets import Share, unit_shares, village_shares, villages_of_units
from registry import scoping
from registry.progress import COUNTED_STATES, IN_PROCESS_STATES, percent_label
from workspace.models import EnrolmentRollup, EnrolmentWeekRollup
from workspace.rollups import week_of

S = EnrolmentState
FUNNEL_STATES: tuple[str, ...] = (S.SUBMITTED, S.CHECKED, S.VERIFIED, S.CONNECTED, S.STICKERED)
# States in which an enrolment waits for someone: the check, the visit, the Command
# Center, the sticker.
WAITING_STATES: tuple[str, ...] = (S.SUBMITTED, S.CHECKED, S.VERIFIED, S.CONNECTED)
CACHE_PREFIX = "police:dashboard:v1"


def outage_after() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "POLICE_OUTAGE_AFTER_MINUTES", 60)))


@dataclass
class Counts:
    by_state: dict[str, int] = field(default_factory=dict)

    def add(self, state: str, n: int) -> None:
        self.by_state[state] = self.by_state.get(state, 0) + n

    @property
    def counted(self) -> int:
        return sum(self.by_state.get(s, 0) for s in COUNTED_STATES)

    @property
    def in_process(self) -> int:
        return sum(self.by_state.get(s, 0) for s in IN_PROCESS_STATES)

    @property
    def funnel(self) -> list[tuple[str, str, int]]:
        """(state, label, enrolments that reached at least this state and are still in)."""
        rows = []
        for i, state in enumerate(FUNNEL_STATES):
            reached = sum(self.by_state.get(s, 0) for s in FUNNEL_STATES[i:])
            rows.append((state, str(S(state).label), reached))
        return rows


def percent(counted: int, target: int) -> int:
    """The public definition: counted / target, 0..100 (``ProgramProgress.percent``)."""
    if target <= 0:
        return 0
    return min(100, counted * 100 // target)


@dataclass
class BreakdownRow:
    kind: str  # "unit" or "village"
    pk: int
    name: str
    parent_name: str
    share: Share
    counts: Counts
    zero_villages: int  # villages of the unit without any camera (for a village: 0 or 1)
    villages: int

    @property
    def gap(self) -> int:
        """How many counted cameras are still missing to reach the share (negative: above it)."""
        return self.share.target - self.counts.counted

    @property
    def percent(self) -> int:
        return percent(self.counts.counted, self.share.target)

    @property
    def percent_label(self) -> str:
        return percent_label(self.counts.counted, self.share.target)


@dataclass
class TrendPoint:
    week: dt.date
    counted: int


@dataclass
class Trend:
    points: list[TrendPoint]
    needed_per_week: float | None  # None: the program has no end date or it is over
    pace_per_week: float  # the last (up to) eight weeks
    projected_on: dt.date | None  # None: not at the current pace
    reached: bool
    svg: dict[str, Any]


@dataclass
class QueueAge:
    state: str
    label: str
    count: int
    median: dt.timedelta | None
    oldest: dt.timedelta | None


@dataclass
class Outage:
    recorder_id: int
    camera_id: int
    village: str
    since: dt.datetime
    cameras: int


@dataclass
class Dashboard:
    program: Program
    title: str
    unit: PoliceUnit | None
    share: Share
    counts: Counts
    percent: int
    not_listed: int
    rows: list[BreakdownRow]
    rows_are_villages: bool
    trend: Trend
    queue: list[QueueAge]
    raw_outages: list[_RawOutage]
    drill_units: list[PoliceUnit]
    outages: list[Outage] = field(default_factory=list)
    counted_at: dt.datetime = field(default_factory=timezone.now)

    @property
    def percent_label(self) -> str:
        return percent_label(self.counts.counted, self.share.target)


# --- scope ----------------------------------------------------------------------------


@dataclass
class _Scope:
    title: str
    unit: PoliceUnit | None
    villages: list[Region]
    share: Share
    child_units: list[tuple[PoliceUnit, list[Region], Share]]
    village_targets: dict[int, Share]


def _scope(*, officer: Officer, program: Program, unit_id: int | None) -> _Scope:
    shares = unit_shares(program=program)
    if officer.role == OfficerRole.BHABINKAMTIBMAS:
        if unit_id is not None:
            raise Http404
        own = set(officer.villages.values_list("pk", flat=True))
        unit = officer.unit
        unit_villages = villages_of_units(unit_ids=unit_and_descendants(unit))
        spread = village_shares(
            unit_share=shares.get(unit.pk, Share(0, even=True)),
            village_ids=[v.pk for v in unit_villages],
        )
        villages = [v for v in unit_villages if v.pk in own]
        share = Share(sum(spread[v.pk].target for v in villages), even=True)
        return _Scope(str(officer.user), None, villages, share, [], spread)
    mine = set(unit_and_descendants(officer.unit))
    base = officer.unit if officer.unit.pk in shares else program.unit
    if unit_id is None:
        unit = base
    else:
        if unit_id not in shares or unit_id not in mine:
            raise Http404
        unit = PoliceUnit.objects.get(pk=unit_id)
    villages = villages_of_units(unit_ids=unit_and_descendants(unit))
    share = shares.get(unit.pk, Share(0, even=True))
    child_units = []
    for child in PoliceUnit.objects.filter(parent=unit).order_by("name"):
        child_villages = villages_of_units(unit_ids=unit_and_descendants(child))
        child_units.append((child, child_villages, shares.get(child.pk, Share(0, even=True))))
    spread = village_shares(unit_share=share, village_ids=[v.pk for v in villages])
    return _Scope(unit.name, unit, villages, share, child_units, spread)


# --- pieces ---------------------------------------------------------------------------


def _village_counts(program: Program, village_ids: list[int]) -> dict[int, Counts]:
    counts: dict[int, Counts] = defaultdict(Counts)
    rows = EnrolmentRollup.objects.filter(program=program, village_id__in=village_ids).values_list(
        "village_id", "state", "n"
    )
    for village_id, state, n in rows:
        if n:
            counts[village_id].add(state, n)
    return counts


def _trend(program: Program, village_ids: list[int], counted: int, target: int) -> Trend:
    deltas = dict(
        EnrolmentWeekRollup.objects.filter(program=program, village_id__in=village_ids)
        .values("week")
        .annotate(d=Sum("delta"))
        .order_by()
        .values_list("week", "d")
    )
    today = timezone.localdate()
    first = week_of(min([program.starts_on, *deltas.keys()]) if deltas else program.starts_on)
    last = week_of(today)
    points: list[TrendPoint] = []
    running = 0
    week = first
    while week <= last:
        running += deltas.get(week, 0)
        points.append(TrendPoint(week, running))
        week += dt.timedelta(days=7)
    recent = points[-9:]
    weeks = max(1, len(recent) - 1)
    pace = (recent[-1].counted - recent[0].counted) / weeks if len(recent) > 1 else float(counted)
    missing = max(0, target - counted)
    needed = None
    if program.ends_on and program.ends_on > today:
        needed = missing / max(1.0, (program.ends_on - today).days / 7)
    projected = None
    if missing == 0:
        projected = today
    elif pace > 0 and missing / pace < 52 * 25:  # beyond 25 years: "not at this pace"
        projected = today + dt.timedelta(days=round(missing / pace * 7))
    return Trend(points, needed, pace, projected, missing == 0, _svg(points, target, program))


def _svg(points: list[TrendPoint], target: int, program: Program) -> dict[str, Any]:
    """Coordinates for the server-side SVG line chart (viewBox 0 0 600 200)."""
    width, height, pad = 600, 200, 10
    end = program.ends_on or (points[-1].week if points else program.starts_on)
    start = points[0].week if points else program.starts_on
    span = max(1, (max(end, points[-1].week if points else end) - start).days)
    top = max([target, *[p.counted for p in points], 1])

    def xy(day: dt.date, value: float) -> tuple[float, float]:
        x = pad + (width - 2 * pad) * (day - start).days / span
        y = height - pad - (height - 2 * pad) * value / top
        return round(x, 1), round(y, 1)

    line = " ".join(f"{x},{y}" for x, y in (xy(p.week, p.counted) for p in points))
    # Strings, so that the template's number localisation (1,5) never reaches SVG.
    tx1, ty1 = xy(start, 0)
    tx2, ty2 = xy(end, target)
    return {
        "line": line,
        "target_line": {"x1": str(tx1), "y1": str(ty1), "x2": str(tx2), "y2": str(ty2)},
        "target_y": str(xy(start, target)[1]),
        "width": str(width),
        "height": str(height),
    }


def _enrolments_in(program: Program, village_ids: list[int]) -> Any:
    return Enrolment.objects.filter(
        program=program, camera__recorder__site__village_id__in=village_ids
    )


def _queue_age(program: Program, village_ids: list[int], counts: Counts) -> list[QueueAge]:
    now = timezone.now()
    result = []
    for state in WAITING_STATES:
        n = counts.by_state.get(state, 0)
        median = oldest = None
        if n > 0:
            qs = (
                _enrolments_in(program, village_ids)
                .filter(state=state)
                .order_by("state_changed_at")
            )
            times = list(qs.values_list("state_changed_at", flat=True)[:1])
            if times:
                oldest = now - times[0]
                middle = list(qs.values_list("state_changed_at", flat=True)[n // 2 : n // 2 + 2])
                if middle:
                    waits = [now - t for t in middle[: 1 if n % 2 else 2]]
                    median = sum(waits, dt.timedelta()) / len(waits)
        result.append(QueueAge(state, str(S(state).label), n, median, oldest))
    return result


def _not_listed(program: Program, village_ids: list[int]) -> int:
    """Counted cameras in the scope without registry consent (scope a) in force."""
    return (
        _enrolments_in(program, village_ids)
        .filter(state__in=COUNTED_STATES)
        .exclude(camera_id__in=camera_ids_with_scope(ConsentScope.LISTED))
        .count()
    )


@dataclass(frozen=True)
class _RawOutage:
    recorder_id: int
    village: str
    since: dt.datetime


def _outages_raw(program: Program, village_ids: list[int]) -> list[_RawOutage]:
    cutoff = timezone.now() - outage_after()
    went_offline = RecorderStatusEvent.objects.filter(
        recorder=OuterRef("pk"), online=False
    ).order_by("-at")
    connected = Enrolment.objects.filter(
        camera__recorder=OuterRef("pk"), program=program, state__in=CONNECTED_STATES
    )
    rows = (
        Recorder.objects.filter(online=False, site__village_id__in=village_ids)
        .filter(Exists(connected))
        .annotate(since=Subquery(went_offline.values("at")[:1]))
        .filter(since__lte=cutoff)
        .order_by("since")
        .values_list("pk", "site__village__name", "since")[:200]
    )
    return [_RawOutage(*row) for row in rows]


def outages_visible(*, user: Any, raw: list[_RawOutage]) -> list[Outage]:
    """Connected recorders offline longer than ``POLICE_OUTAGE_AFTER_MINUTES`` that ``user``
    may see (jurisdiction and consent); each links its first visible camera."""
    if not raw:
        return []
    cameras: dict[int, list[int]] = defaultdict(list)
    for recorder_id, camera_id in (
        scoping.cameras_visible_to(user)
        .filter(recorder_id__in=[o.recorder_id for o in raw])
        .order_by("recorder_id", "channel")
        .values_list("recorder_id", "pk")
    ):
        cameras[recorder_id].append(camera_id)
    return [
        Outage(
            o.recorder_id,
            cameras[o.recorder_id][0],
            o.village,
            o.since,
            len(cameras[o.recorder_id]),
        )
        for o in raw
        if cameras.get(o.recorder_id)
    ]


# --- what a web process keeps -----------------------------------------------------------

LOCAL_MAX_ENTRIES = 256
# Per process: (read at, stamp) and key -> (stored at, value).
_stamp_memo: tuple[float, str] = (float("-inf"), "")
_local: dict[str, tuple[float, Any]] = {}


def memo_seconds() -> float:
    return float(getattr(settings, "DASHBOARD_MEMO_SECONDS", 1.0))


def cached_many(keys: list[str]) -> dict[str, Any]:
    """The values of ``keys`` found in this process's table, else in the shared cache
    (one round trip for all that are missing); what the shared cache had is kept here."""
    found: dict[str, Any] = {}
    keep = memo_seconds() > 0
    if keep:
        now = time.monotonic()
        for key in keys:
            entry = _local.get(key)
            if entry is not None and now - entry[0] <= cache_seconds():
                found[key] = entry[1]
    missing = [k for k in keys if k not in found]
    if missing:
        shared = cache.get_many(missing)
        if keep:
            _keep(shared)
        found.update(shared)
    return found


def cache_many(values: dict[str, Any]) -> None:
    """Store ``values`` in the shared cache (``PROGRESS_CACHE_SECONDS``) and in this process."""
    cache.set_many(values, cache_seconds())
    if memo_seconds() > 0:
        _keep(values)


def _keep(values: dict[str, Any]) -> None:
    if len(_local) + len(values) > LOCAL_MAX_ENTRIES:
        _local.clear()
    now = time.monotonic()
    for key, value in values.items():
        _local[key] = (now, value)


def current_stamp() -> str:
    """The change stamp (``_stamp``), re-read at most once per ``DASHBOARD_MEMO_SECONDS``."""
    global _stamp_memo
    now = time.monotonic()
    read_at, stamp = _stamp_memo
    if now - read_at >= memo_seconds():
        stamp = _stamp()
        _stamp_memo = (now, stamp)
    return stamp


def _stamp() -> str:
    """Changes with any enrolment created or moved (as ``registry.progress.progress_stamp``)
    or any recorder going offline or online: one statement, three index lookups."""
    qn = connection.ops.quote_name
    tables = [
        Enrolment._meta.db_table,
        EnrolmentTransition._meta.db_table,
        RecorderStatusEvent._meta.db_table,
    ]
    subqueries = [f"(SELECT MAX(id) FROM {qn(t)})" for t in tables]  # noqa: S608 (table names only)
    sql = "SELECT " + ", ".join(subqueries)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return ".".join(str(v or 0) for v in row)


def programs_for(*, user: Any, officer: Officer) -> list[Program]:
    """The programs an officer works on (``police.jurisdiction.programs_visible_to``),
    kept ``PROGRESS_CACHE_SECONDS`` per unit: they depend on the unit only."""
    key = f"{CACHE_PREFIX}:programs:{officer.unit_id}"
    programs: list[Program] | None = cached_many([key]).get(key)
    if programs is None:
        programs = list(programs_visible_to(user).select_related("unit").order_by("name"))
        cache_many({key: programs})
    return programs


# --- the dashboard --------------------------------------------------------------------


def cache_seconds() -> int:
    return int(getattr(settings, "PROGRESS_CACHE_SECONDS", 60))


def _board_of(*, officer: Officer, program: Program, unit_id: int | None) -> str:
    who = f"v{officer.pk}" if officer.role == OfficerRole.BHABINKAMTIBMAS else f"u{officer.unit_id}"
    return f"{program.pk}.{program.target}:{who}:{unit_id}"


def dashboard_key(*, officer: Officer, program: Program, unit_id: int | None) -> str:
    """The cache key of a dashboard: what it shows changes only when this key does."""
    board = _board_of(officer=officer, program=program, unit_id=unit_id)
    return f"{CACHE_PREFIX}:{board}:{current_stamp()}"


def latest_key(*, officer: Officer, program: Program, unit_id: int | None, variant: str) -> str:
    """Where the last counted version of a board (any change stamp) is kept, with
    ``variant`` (sort and language) for its HTML; see ``board_or_recount``."""
    board = _board_of(officer=officer, program=program, unit_id=unit_id)
    return f"{CACHE_PREFIX}:latest:{board}:{variant}"


RECOUNT_LOCK_SECONDS = 120


def recounting_key(latest: str) -> str:
    """Held (``cache.add``) by the one request that recounts the board kept under ``latest``."""
    return f"{latest}:recounting"


def board_or_recount(
    *, key: str, variant: str, latest: str, recount: Callable[[], tuple[str, list[_RawOutage]]]
) -> tuple[str, list[_RawOutage]]:
    """The HTML (in ``variant``) and raw outages of the board under ``key``, else
    recounted by ``recount``.

    At a million cameras a recount takes seconds. While one request recounts a
    board after a change, the others are served the board's last counted version
    (``latest``) instead of all waiting for (and all running) the same recount;
    the board says when its figures were counted. Only a board never counted
    before makes every request wait.
    """
    html_key, raw_key = f"{key}:html:{variant}", outages_key(key)
    found = cached_many([html_key, raw_key])
    if html_key in found and raw_key in found:
        return found[html_key], found[raw_key]
    stale: tuple[str, list[_RawOutage]] | None = cached_many([latest]).get(latest)
    lock = recounting_key(latest)
    if stale is not None and not cache.add(lock, 1, RECOUNT_LOCK_SECONDS):
        return stale
    try:
        html, raw = recount()
        cache_many({html_key: html, latest: (html, raw)})
    finally:
        if stale is not None:
            cache.delete(lock)
    return html, raw


def dashboard_for(
    *, user: Any, officer: Officer, program: Program, unit_id: int | None = None, key: str = ""
) -> Dashboard:
    """Everything the dashboard shows for ``program`` in the officer's unit (or a unit below).

    The figures are the same for every officer of a unit, so they are computed once
    per change (enrolment moves, recorder status, ``PROGRESS_CACHE_SECONDS``) and
    shared; only the outage list is then narrowed to what this officer may see.
    Raises Http404 for a unit outside the officer's own.
    """
    key = key or dashboard_key(officer=officer, program=program, unit_id=unit_id)
    board: Dashboard | None = cache.get(key)
    if board is None:
        board = _compute(officer=officer, program=program, unit_id=unit_id)
        cache_many({key: board, outages_key(key): board.raw_outages})
    board.outages = outages_visible(user=user, raw=board.raw_outages)
    return board


def outages_key(key: str) -> str:
    """Where the raw outages of the dashboard cached under ``key`` are kept."""
    return f"{key}:outages"


def _compute(*, officer: Officer, program: Program, unit_id: int | None) -> Dashboard:
    scope = _scope(officer=officer, program=program, unit_id=unit_id)
    village_ids = [v.pk for v in scope.villages]
    by_village = _village_counts(program, village_ids)
    total = Counts()
    for counts in by_village.values():
        for state, n in counts.by_state.items():
            total.add(state, n)
    rows: list[BreakdownRow] = []
    if scope.child_units:
        for unit, villages, share in scope.child_units:
            counts = Counts()
            zero = 0
            for v in villages:
                c = by_village.get(v.pk)
                if c is None or not (c.counted or c.in_process):
                    zero += 1
                if c:
                    for state, n in c.by_state.items():
                        counts.add(state, n)
            rows.append(
                BreakdownRow("unit", unit.pk, unit.name, "", share, counts, zero, len(villages))
            )
    else:
        for v in scope.villages:
            counts = by_village.get(v.pk) or Counts()
            rows.append(
                BreakdownRow(
                    "village",
                    v.pk,
                    v.name,
                    v.parent.name if v.parent else "",
                    scope.village_targets.get(v.pk, Share(0, even=True)),
                    counts,
                    0 if (counts.counted or counts.in_process) else 1,
                    1,
                )
            )
    drill = [u for u, _v, _s in scope.child_units if u.children.exists()] if scope.unit else []
    return Dashboard(
        program=program,
        title=scope.title,
        unit=scope.unit,
        share=scope.share,
        counts=total,
        percent=percent(total.counted, scope.share.target),
        not_listed=_not_listed(program, village_ids),
        rows=rows,
        rows_are_villages=not scope.child_units,
        trend=_trend(program, village_ids, total.counted, scope.share.target),
        queue=_queue_age(program, village_ids, total),
        raw_outages=_outages_raw(program, village_ids),
        drill_units=drill,
    )


SORTS = {
    "gap": lambda r: (-r.gap, r.name),
    "percent": lambda r: (r.percent, r.name),
    "name": lambda r: (r.name,),
    "counted": lambda r: (-r.counts.counted, r.name),
}


def rows_sorted(rows: list[BreakdownRow], sort: str) -> list[BreakdownRow]:
    """Sorted by distance to the share (largest first) unless another known key is asked."""
    return sorted(rows, key=SORTS.get(sort, SORTS["gap"]))
