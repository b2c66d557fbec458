"""Each unit's and village's share of a program's target.

A program's target belongs to the program's unit. Program administrators may
set a target for any unit below it (``UnitTarget``); a unit without one gets
an even part of what its parent has left after the units with their own
target, and a village an even part of its Polsek's (or, when the unit has no
Polsek below it, its unit's) share. ``Share.even`` says which rule applied, so
the dashboard can say so.
"""

from __future__ import annotations

from dataclasses import dataclass

from police.models import PoliceUnit, Program, Region, RegionLevel, UnitTarget
from police.regions import region_q


@dataclass(frozen=True)
class Share:
    target: int
    even: bool  # spread evenly (no target set by an administrator)


def _spread(total: int, n: int) -> list[int]:
    """``total`` in ``n`` whole parts that differ by at most one (largest first)."""
    if n <= 0:
        return []
    base, extra = divmod(max(0, total), n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def unit_shares(*, program: Program) -> dict[int, Share]:
    """Share of every unit from the program's unit down, keyed by unit id."""
    explicit = dict(UnitTarget.objects.filter(program=program).values_list("unit_id", "target"))
    shares = {program.unit_id: Share(program.target, even=False)}
    frontier = [program.unit_id]
    while frontier:
        children = list(
            PoliceUnit.objects.filter(parent_id__in=frontier)
            .order_by("name", "pk")
            .values_list("pk", "parent_id")
        )
        by_parent: dict[int, list[int]] = {}
        for pk, parent_id in children:
            by_parent.setdefault(parent_id, []).append(pk)
        for parent_id, kids in by_parent.items():
            fixed = [k for k in kids if k in explicit]
            rest = [k for k in kids if k not in explicit]
            left = shares[parent_id].target - sum(explicit[k] for k in fixed)
            for k in fixed:
                shares[k] = Share(explicit[k], even=False)
            for k, part in zip(rest, _spread(left, len(rest)), strict=True):
                shares[k] = Share(part, even=True)
        frontier = [pk for pk, _parent in children]
    return shares


def village_shares(*, unit_share: Share, village_ids: list[int]) -> dict[int, Share]:
    """A unit's share spread evenly over its villages (in the order given)."""
    return {
        v: Share(part, even=True)
        for v, part in zip(village_ids, _spread(unit_share.target, len(village_ids)), strict=True)
    }


def villages_of_units(*, unit_ids: list[int]) -> list[Region]:
    """The villages inside the regions of ``unit_ids`` (their own regions only)."""
    codes = list(
        Region.objects.filter(police_units__in=unit_ids).values_list("code", flat=True).distinct()
    )
    return list(
        Region.objects.filter(region_q(codes), level=RegionLevel.VILLAGE)
        .select_related("parent")
        .order_by("code")
    )
