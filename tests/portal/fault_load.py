"""A load for the fault tests, run as a process of its own on the database under test.

It queues ``record_visit`` tasks at a steady pace, as people pressing buttons do,
until the file ``--stop`` appears, and then ``--after`` more. An enqueue that raises
(the database or the broker is down) is "refused" and tried again, as a person
would, with a fresh connection. Then it waits for every accepted task to finish
and prints one JSON report: accepted, refused, successful, failed (by exception
class), pending, and the rows the tasks left (each successful task leaves exactly
one ``Group`` named after it; a missing row is a lost task, two would be a
duplicate, which the unique name refuses with an IntegrityError).

    python -m tests.portal.fault_load --prefix q2 --stop /tmp/stop [--queue NAME]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--stop", required=True, type=Path)
    parser.add_argument("--progress", required=True, type=Path)
    parser.add_argument("--queue", default="")
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--after", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=240)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.tasks import TaskResultStatus
    from django.tasks.exceptions import TaskResultDoesNotExist

    from tests.portal.engine_tasks import record_visit

    task = record_visit.using(queue_name=args.queue) if args.queue else record_visit

    def progress(accepted: int, refused: int) -> None:
        args.progress.write_text(f"{accepted} {refused}\n")

    accepted: list[tuple[str, str]] = []
    refused = 0
    after: int | None = None
    while after != 0:
        if after is None and args.stop.exists():
            after = args.after
        name = f"load-{args.prefix}-{len(accepted)}"
        try:
            result = task.enqueue(name)
        except Exception:  # the database (django-q2) or Redis (Celery) is down
            refused += 1
            connection.close()
        else:
            accepted.append((name, result.id))
            if after is not None:
                after -= 1
        progress(len(accepted), refused)
        time.sleep(args.interval)

    outcomes: dict[str, tuple[str, list[str]]] = {}
    deadline = time.monotonic() + args.timeout
    while len(outcomes) < len(accepted) and time.monotonic() < deadline:
        for name, result_id in accepted:
            if name in outcomes:
                continue
            try:
                result = task.get_result(result_id)
            except TaskResultDoesNotExist:
                continue
            except Exception:  # still reconnecting
                connection.close()
                continue
            if result.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
                errors = [error.exception_class_path for error in result.errors]
                outcomes[name] = (str(result.status), errors)
        time.sleep(0.2)

    connection.close()  # perhaps opened before the restart: start afresh
    rows = Counter(
        Group.objects.filter(name__startswith=f"load-{args.prefix}-").values_list("name", flat=True)
    )
    successful = [n for n, (status, _) in outcomes.items() if status == "SUCCESSFUL"]
    failures = Counter(e for _, errors in outcomes.values() for e in errors)
    report = {
        "accepted": len(accepted),
        "refused": refused,
        "successful": len(successful),
        "failed": sum(1 for status, _ in outcomes.values() if status == "FAILED"),
        "failures": dict(failures),
        "pending": len(accepted) - len(outcomes),
        "successful_without_row": sum(1 for n in successful if rows[n] != 1),
        "rows_without_success": sum(1 for n in rows if n not in successful),
        "last_successful": all(
            outcomes.get(name, ("", []))[0] == "SUCCESSFUL" for name, _ in accepted[-args.after :]
        ),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
