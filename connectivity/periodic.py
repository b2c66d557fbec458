"""The boundary to the project's periodic-work registry.

``portal/periodic.py`` (declared once, scheduled by whichever task engine runs)
is built separately. Until it exists, ``register()`` does nothing and says so;
the task ``connectivity.tasks.recheck_connected_recorders`` can still be run by
hand or by cron.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging

from django.conf import settings

logger = logging.getLogger(__name__)

NAME = "connectivity.recheck_connected_recorders"


def register() -> bool:
    try:
        periodic = importlib.import_module("portal.periodic")
    except ImportError:
        logger.debug("portal.periodic is not there yet; re-checks are not scheduled")
        return False
    from connectivity.tasks import recheck_connected_recorders

    periodic.register_periodic(
        name=NAME,
        task=recheck_connected_recorders,
        every=dt.timedelta(hours=settings.CONNECTIVITY_RECHECK_HOURS),
    )
    return True
