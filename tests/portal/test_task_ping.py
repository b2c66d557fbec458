"""manage.py task_ping: exit 0 when the ping ran, 1 with a message when it did not."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("engines")]


def test_it_answers_pong_when_the_engine_runs_the_task():
    out = StringIO()

    call_command("task_ping", "--wait", "5", stdout=out)  # the immediate engine in tests

    assert "pong from immediate" in out.getvalue()


def test_it_fails_with_a_message_when_no_worker_runs_the_task(on_q2):
    with pytest.raises(CommandError, match=r"did not complete within 0\.3 s") as error:
        call_command("task_ping", "--wait", "0.3")

    assert error.value.returncode == 1
