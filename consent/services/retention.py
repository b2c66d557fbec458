"""Retention: the record that the periods the scopes state were enforced."""

from __future__ import annotations

import logging

from consent.models import RetentionPurge

logger = logging.getLogger(__name__)


def retention_purge_record(*, kind: str, purged: int) -> RetentionPurge:
    """Count one run of a purge of ``kind`` (runs that deleted nothing count too)."""
    logger.info("retention: %s purged %d", kind, purged)
    return RetentionPurge.objects.create(kind=kind, purged=purged)
