"""Two writers index the same page at once on SQLite; run by ``test_search.py``.

Runs in its own process against the migrated SQLite file of ``DATABASE_URL``.
The other writer (a plain sqlite3 connection, standing for a second task worker)
inserts the page's index entry in a transaction it holds open for a second;
meanwhile this process indexes the same page through Wagtail's search backend,
with a newer title. Prints JSON: the backend's class, the error raised if any,
and the title the index holds at the end.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time

import django

django.setup()

from django.db import connection  # noqa: E402
from modelsearch.backends import get_search_backend  # noqa: E402
from wagtail.models import Page  # noqa: E402
from wagtail.search.models import IndexEntry  # noqa: E402

HOLD_SECONDS = 1.0

backend = get_search_backend()
page = Page.objects.get(depth=2)  # the page Wagtail's migrations create
backend.add(page)
entry = IndexEntry.objects.values(
    "content_type_id", "object_id", "title_norm", "autocomplete", "body"
).get(object_id=str(page.pk))
IndexEntry.objects.all().delete()
connection.close()

holding = threading.Event()


def other_writer() -> None:
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    other.execute("PRAGMA busy_timeout=5000")
    other.execute("BEGIN IMMEDIATE")
    other.execute(
        "INSERT INTO wagtailsearch_indexentry"
        " (content_type_id, object_id, title_norm, autocomplete, body, title)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (*entry.values(), "Older title"),
    )
    holding.set()
    time.sleep(HOLD_SECONDS)
    other.execute("COMMIT")
    other.close()


thread = threading.Thread(target=other_writer)
thread.start()
holding.wait()
page.title = "Newer title"
error = None
try:
    backend.add(page)
except Exception as exc:  # what a task worker would log as FAILED
    error = f"{type(exc).__name__}: {exc}"
thread.join()
titles = list(IndexEntry.objects.filter(object_id=str(page.pk)).values_list("title", flat=True))
found = [p.pk for p in backend.search("Newer", Page)]
print(
    json.dumps(
        {"backend": type(backend).__name__, "error": error, "titles": titles, "found": found,
         "page": page.pk}
    )
)  # fmt: skip
