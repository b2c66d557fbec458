"""Writes of the joining flow that span apps: submitting queues a connectivity check.

The wizard's row-level saves are ``owners.services.join_*``; submitting also
asks ``connectivity`` for a check when none has passed, so a camera reaches
the police queue with a check under way. The estate import uses the same.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from connectivity import services as connectivity_services
from owners import services as owner_services
from owners.models import Enrolment, JoinDraft


@transaction.atomic
def join_submit(*, draft: JoinDraft, user: Any) -> list[Enrolment]:
    """Submit the draft's cameras and queue a check of its recorder unless one passed.

    A second submit changes nothing and queues nothing.
    """
    submitted = owner_services.join_draft_submit(draft=draft)
    if submitted and draft.recorder is not None:
        connectivity_services.check_ensure(recorder=draft.recorder, user=user)
    return submitted
