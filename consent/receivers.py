"""Signal receivers of consent: thin adapters that call a service, nothing else."""

from __future__ import annotations

from typing import Any

from consent.models import TermsVersion
from consent.services import terms_freeze


def terms_published(sender: type, instance: Any, **kwargs: Any) -> None:
    """Wagtail published a terms version (admin button or ``terms_publish``): freeze it,
    and title it "vN — …" in the admin."""
    if isinstance(instance, TermsVersion):
        terms_freeze(terms=instance)
        instance.revisions_relabel()
