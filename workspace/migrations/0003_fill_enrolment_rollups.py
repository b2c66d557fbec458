"""Fill the rollups from the enrolments already in the database (once, at deploy).

The same counts as ``workspace.rollups.rollups_rebuild``, written with the
historical models; the week rollup replays the transitions that crossed the
counted line and puts any remainder in the current week.
"""

import datetime as dt
from collections import defaultdict

from django.db import migrations
from django.db.models import Count
from django.utils import timezone

COUNTED = ("verified", "connected", "stickered")


def _week(moment):
    day = timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return day - dt.timedelta(days=day.weekday())


def fill(apps, schema_editor):
    Enrolment = apps.get_model("owners", "Enrolment")
    Transition = apps.get_model("owners", "EnrolmentTransition")
    Rollup = apps.get_model("workspace", "EnrolmentRollup")
    Week = apps.get_model("workspace", "EnrolmentWeekRollup")
    village = "camera__recorder__site__village_id"
    rows = Enrolment.objects.values("program_id", village, "state").annotate(n=Count("pk")).order_by()
    Rollup.objects.bulk_create(
        [Rollup(program_id=r["program_id"], village_id=r[village], state=r["state"], n=r["n"]) for r in rows],
        batch_size=1000,
    )
    weeks = defaultdict(int)
    replayed = defaultdict(int)
    for program_id, village_id, from_state, to_state, at in Transition.objects.values_list(
        "enrolment__program_id", f"enrolment__{village}", "from_state", "to_state", "at"
    ).iterator(chunk_size=5000):
        was, now = from_state in COUNTED, to_state in COUNTED
        if was != now:
            weeks[(program_id, village_id, _week(at))] += 1 if now else -1
            replayed[(program_id, village_id)] += 1 if now else -1
    counted = (
        Enrolment.objects.filter(state__in=COUNTED)
        .values("program_id", village)
        .annotate(n=Count("pk"))
        .order_by()
    )
    this_week = _week(timezone.now())
    for r in counted:
        key = (r["program_id"], r[village])
        if r["n"] - replayed.get(key, 0):
            weeks[(*key, this_week)] += r["n"] - replayed.get(key, 0)
    Week.objects.bulk_create(
        [Week(program_id=p, village_id=v, week=w, delta=d) for (p, v, w), d in weeks.items() if d],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("workspace", "0002_enrolment_rollups"),
        ("owners", "0004_owner_event"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
