"""manage.py whatsapp_templates --sync against /{WABA_ID}/message_templates."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from notifications.models import TemplateState
from notifications.templates import TEMPLATES
from tests.fakes.graph_api import WABA_ID

pytestmark = pytest.mark.django_db


def sync():
    out = StringIO()
    call_command("whatsapp_templates", "--sync", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_sync_creates_every_declared_template_in_both_languages(graph_api):
    result = sync()
    assert len(result["created"]) == 2 * len(TEMPLATES)
    assert ("POST", f"/v23.0/{WABA_ID}/message_templates") in graph_api.requests
    created = graph_api.templates["cw_verified/id"]
    assert created["category"] == "UTILITY"
    assert "{{1}} kamera terverifikasi" in created["components"][0]["text"]
    auth = graph_api.templates["cw_sign_in_code/en"]
    assert auth["category"] == "AUTHENTICATION"
    assert auth["components"][2]["buttons"][0]["otp_type"] == "COPY_CODE"
    assert TemplateState.objects.filter(status="PENDING").count() == 2 * len(TEMPLATES)


def test_a_second_sync_changes_nothing_and_a_changed_text_is_updated(graph_api):
    sync()
    again = sync()
    assert again["created"] == [] and again["updated"] == []
    graph_api.templates["cw_verified/id"]["components"][0]["text"] = "teks lama {{1}} {{2}}"
    third = sync()
    assert third["updated"] == ["cw_verified/id"]


def test_sync_without_a_token_says_what_is_missing(settings):
    settings.WHATSAPP_ACCESS_TOKEN = ""
    with pytest.raises(CommandError, match="WHATSAPP_ACCESS_TOKEN"):
        call_command("whatsapp_templates", "--sync")


def test_without_sync_the_command_lists_the_declared_templates():
    out = StringIO()
    call_command("whatsapp_templates", "--json", stdout=out)
    names = {t["name"] for t in json.loads(out.getvalue())["templates"]}
    assert names == set(TEMPLATES)
