"""The region hierarchy, in one place.

Kemendagri codes are hierarchical (``36`` > ``36.03`` > ``36.03.01`` >
``36.03.01.2004``), so "inside a region" is a prefix match on the code plus a
dot. Every query or computation that walks the hierarchy uses these helpers.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q


def region_code_parent(code: str) -> str | None:
    """``"36.03.01.2004"`` -> ``"36.03.01"``; a province has no parent."""
    head, dot, _tail = code.rpartition(".")
    return head if dot else None


def region_code_lineage(code: str) -> list[str]:
    """The code and every code above it, top first: ``["36", "36.03", "36.03.01", code]``."""
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def region_q(codes: Iterable[str], path: str = "") -> Q:
    """Rows whose region at ``path`` equals one of ``codes`` or lies inside it.

    ``path`` is the lookup from the queried model to a ``Region`` (``"village"``
    for a site, ``"recorder__site__village"`` for a camera); empty for regions.
    An empty ``codes`` matches nothing.
    """
    codes = list(codes)
    if not codes:
        return Q(pk__in=[])
    field = f"{path}__code" if path else "code"
    q = Q()
    for code in codes:
        q |= Q(**{field: code}) | Q(**{f"{field}__startswith": code + "."})
    return q


def region_q_strictly_inside(codes: Iterable[str], path: str = "") -> Q:
    """Like ``region_q`` but without the regions themselves (their descendants only)."""
    codes = list(codes)
    if not codes:
        return Q(pk__in=[])
    field = f"{path}__code" if path else "code"
    q = Q()
    for code in codes:
        q |= Q(**{f"{field}__startswith": code + "."})
    return q
