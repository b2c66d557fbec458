from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from consent.models import ChainHead, ConsentRecord, RecordCamera, TermsVersion
from consent.services import GENESIS_HASH, chain_verify, consent_withdraw
from tests.consent.conftest import World, sign
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


def verify_command() -> tuple[int, str]:
    try:
        from io import StringIO

        out = StringIO()
        call_command("verify_consent_chain", stdout=out)
    except CommandError as e:
        return e.returncode, str(e)
    return 0, out.getvalue()


def test_each_record_links_to_the_previous_one_and_withdrawals_join_the_chain(world: World):
    first = sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="ab")
    second = consent_withdraw(owner=world.owner, user=world.admin, cameras=world.cameras[:1])
    assert first.seq == 1 and first.prev_hash == GENESIS_HASH
    assert second.seq == 2 and second.prev_hash == first.record_hash
    assert second.kind == "withdrawal"
    head = ChainHead.objects.get(pk=1)
    assert (head.length, head.last_hash) == (2, second.record_hash)
    assert verify_command() == (0, "OK: 2 consent records, chain holds.\n")


def test_an_empty_chain_holds(db):
    assert chain_verify().ok


def test_the_chain_check_finds_a_record_changed_directly_in_the_database(world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras[:1])
    victim = sign(owner=world.owner, user=world.admin, cameras=world.cameras[1:])
    sign(owner=world.other_owner, user=world.other_admin, cameras=[world.other_camera])
    ConsentRecord.objects.filter(pk=victim.pk).update(signer_name="Orang Lain")

    code, message = verify_command()
    assert code == 1
    assert "#2" in message and str(victim.receipt_id) in message


def test_the_chain_check_finds_scopes_widened_directly_in_the_database(world: World):
    record = sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="a")
    RecordCamera.objects.filter(record=record).update(scopes="abcde")
    report = chain_verify()
    assert not report.ok and report.broken_seq == 1
    assert "content" in report.problem


def test_the_chain_check_finds_a_deleted_last_record(world: World):
    sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    last = sign(owner=world.other_owner, user=world.other_admin, cameras=[world.other_camera])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM consent_consentstate WHERE record_id = %s", [last.pk])
        cursor.execute("DELETE FROM consent_recordcamera WHERE record_id = %s", [last.pk])
        cursor.execute("DELETE FROM consent_consentrecord WHERE id = %s", [last.pk])
    report = chain_verify()
    assert not report.ok and report.broken_seq == 2


def test_the_chain_check_finds_signed_terms_text_changed_in_the_database(world: World):
    record = sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    TermsVersion.objects.filter(pk=record.terms_id).update(body_id="Teks lain.")
    report = chain_verify()
    assert not report.ok and "terms" in report.problem


def test_records_refuse_to_be_changed_or_deleted_through_the_orm(world: World):
    record = sign(owner=world.owner, user=world.admin, cameras=world.cameras)
    record.signer_name = "X"
    with pytest.raises(Exception, match="tidak bisa diubah"):
        record.save()
    with pytest.raises(Exception, match="tidak bisa dihapus"):
        record.delete()


@pytest.mark.django_db(transaction=True)
def test_signatures_at_the_same_moment_still_form_one_chain(world: World):
    cameras = [CameraFactory(recorder=world.recorder, channel=10 + n) for n in range(6)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(cameras))

    def worker(camera) -> None:
        try:
            barrier.wait(timeout=10)
            sign(owner=world.owner, user=world.admin, cameras=[camera])
        except BaseException as e:  # reported below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(c,)) for c in cameras]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert list(ConsentRecord.objects.values_list("seq", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert chain_verify().ok


def test_the_chain_check_finds_scopes_in_force_widened_directly_in_the_database(world: World):
    from consent.models import ConsentState

    record = sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="a")
    assert chain_verify().ok
    ConsentState.objects.filter(camera=world.cameras[0]).update(scopes="abcde")
    report = chain_verify()
    assert not report.ok and report.broken_seq == record.seq
    assert "scopes in force" in report.problem


def test_the_chain_check_finds_scopes_in_force_deleted_directly_in_the_database(world: World):
    from consent.models import ConsentState

    sign(owner=world.owner, user=world.admin, cameras=world.cameras, scopes="a")
    ConsentState.objects.filter(camera=world.cameras[0]).delete()
    report = chain_verify()
    assert not report.ok and "missing" in report.problem
