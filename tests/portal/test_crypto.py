import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from owners.models import Recorder
from portal.crypto import DecryptionError
from tests.factories import RecorderFactory

pytestmark = pytest.mark.django_db

KEY_A = "S6Yq2x0ZkQk2wTgqF3H3rj0cTqWJ0QmEfbq1Y8m5m0A="


def stored_password(recorder_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM owners_recorder WHERE id = %s", [recorder_id])
        return cursor.fetchone()[0]


def test_a_recorder_password_round_trips_and_is_not_stored_in_clear():
    recorder = RecorderFactory(password="admin:p@ss/w#rd?")
    raw = stored_password(recorder.pk)
    assert "p@ss" not in raw
    assert raw.startswith("fernet:")
    assert Recorder.objects.get(pk=recorder.pk).password == "admin:p@ss/w#rd?"


def test_an_empty_password_stays_empty():
    recorder = RecorderFactory(password="")
    assert stored_password(recorder.pk) == ""
    assert Recorder.objects.get(pk=recorder.pk).password == ""


def test_a_value_that_does_not_decrypt_fails_closed(settings):
    recorder = RecorderFactory(password="rahasia")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionError):
        Recorder.objects.get(pk=recorder.pk)


def test_a_plaintext_value_in_the_column_is_an_error_not_a_password():
    recorder = RecorderFactory(password="rahasia")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE owners_recorder SET password = 'plain' WHERE id = %s", [recorder.pk])
    with pytest.raises(DecryptionError):
        Recorder.objects.get(pk=recorder.pk)


def test_rotation_re_encrypts_every_row_with_the_newest_key(settings):
    recorders = [RecorderFactory(password=f"sandi-{i}") for i in range(3)]
    before = {r.pk: stored_password(r.pk) for r in recorders}
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, KEY_A]
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "re-encrypted 3 value(s)" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone now
    for i, recorder in enumerate(recorders):
        assert stored_password(recorder.pk) != before[recorder.pk]
        assert Recorder.objects.get(pk=recorder.pk).password == f"sandi-{i}"


def test_rotation_writes_nothing_when_a_row_does_not_decrypt(settings):
    good = RecorderFactory(password="baik")
    bad = RecorderFactory(password="rusak")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE owners_recorder SET password = 'fernet:garbage' WHERE id = %s", [bad.pk]
        )
    before = stored_password(good.pk)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), KEY_A]
    with pytest.raises(CommandError, match=f"pk={bad.pk}"):
        call_command("rotate_field_keys")
    assert stored_password(good.pk) == before


def test_the_admin_form_never_renders_the_stored_password(client):
    from registry.forms import RecorderAdminForm

    recorder = RecorderFactory(password="jangan-tampil")
    html = str(RecorderAdminForm(instance=recorder))
    assert "jangan-tampil" not in html
