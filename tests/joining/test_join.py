"""The joining wizard: every step saves, refuses garbage on the field, and submits once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from owners.models import Camera, EnrolmentState, JoinDraft, Recorder, Site
from tests.factories import ProgramFactory, UserFactory, grant_consent, region_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    village = region_tree("36.03", "18", "2001")
    program = ProgramFactory(slug="mataraksa", name="Mataraksa")
    program.area.set([village.parent.parent])
    return program


@pytest.fixture
def resident(client):
    user = UserFactory(full_name="Siti Rahmawati")
    client.force_login(user)
    return user


def start(client, program) -> JoinDraft:
    response = client.post(reverse("joining:start"), {"program": program.slug})
    assert response.status_code == 302
    return JoinDraft.objects.get()


def step_url(draft, step):
    return reverse("joining:step", args=[draft.pk, step])


SITE = {
    "owner_kind": "resident",
    "owner_name": "Siti Rahmawati",
    "site_name": "Rumah",
    "address": "Jl. Melati No. 7, RT 02/RW 05",
    "latitude": "-6.170000",
    "longitude": "106.630000",
}
RECORDER = {
    "brand": "hikvision",
    "model": "DS-7208",
    "host": "rumahsiti.ddns.net",
    "onvif_enabled": "on",
    "onvif_port": "80",
    "rtsp_port": "554",
    "rtsp_path": "",
    "username": "onvif",
    "new_password": "p@ss:w/rd#1?",
}


def cameras_payload(rows):
    data = {
        "cam-TOTAL_FORMS": str(len(rows)),
        "cam-INITIAL_FORMS": "0",
        "cam-MIN_NUM_FORMS": "1",
        "cam-MAX_NUM_FORMS": "64",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"cam-{i}-{key}"] = value
    return data


def walk_to_cameras(client, program):
    draft = start(client, program)
    assert client.post(step_url(draft, "site"), SITE).status_code == 302
    assert client.post(step_url(draft, "recorder"), RECORDER).status_code == 302
    assert client.post(step_url(draft, "check"), {"action": "next"}).status_code == 302
    return draft


def test_a_resident_goes_from_site_to_submitted_cameras(client, program, resident):
    draft = walk_to_cameras(client, program)
    response = client.post(
        step_url(draft, "cameras"),
        cameras_payload(
            [
                {
                    "channel": "1",
                    "name": "Depan",
                    "direction": "90",
                    "angle": "90",
                    "sees_public_space": "on",
                },
                {"channel": "2", "name": "Samping", "direction": "180", "angle": "60"},
            ]
        ),
    )
    assert response.status_code == 302
    site = Site.objects.get()
    assert site.village.code.startswith("36.03.18"), "the village is found from the pin"
    recorder = Recorder.objects.get()
    assert recorder.password == "p@ss:w/rd#1?"
    assert list(Camera.objects.values_list("channel", "direction")) == [(1, 90), (2, 180)]

    # Consent is required before moving on.
    response = client.post(step_url(draft, "consent"))
    assert response.status_code == 200
    for camera in Camera.objects.all():
        grant_consent(camera)
    assert client.post(step_url(draft, "consent")).status_code == 302

    assert client.post(step_url(draft, "review")).status_code == 302
    states = set(Camera.objects.values_list("enrolments__state", flat=True))
    assert states == {EnrolmentState.SUBMITTED}
    # A double submit creates nothing twice.
    client.post(step_url(draft, "review"))
    assert all(c.enrolments.get().transitions.count() == 1 for c in Camera.objects.all())


def test_going_back_shows_what_was_saved_and_never_the_password(client, program, resident):
    draft = walk_to_cameras(client, program)
    site_page = client.get(step_url(draft, "site")).content.decode()
    assert "Jl. Melati No. 7" in site_page
    recorder_page = client.get(step_url(draft, "recorder")).content.decode()
    assert "rumahsiti.ddns.net" in recorder_page
    assert "p@ss" not in recorder_page
    # Saving the recorder again without a password keeps the stored one.
    client.post(step_url(draft, "recorder"), {**RECORDER, "new_password": ""})
    assert Recorder.objects.get().password == "p@ss:w/rd#1?"


def test_a_draft_resumes_from_the_step_reached(client, program, resident):
    draft = walk_to_cameras(client, program)
    client.logout()
    client.force_login(resident)
    response = client.post(reverse("joining:start"), {"program": program.slug})
    assert response.url == step_url(draft, "cameras")


def test_a_later_step_cannot_be_opened_before_the_earlier_ones(client, program, resident):
    draft = start(client, program)
    response = client.get(step_url(draft, "review"))
    assert response.url == step_url(draft, "site")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"latitude": "48.85", "longitude": "2.35"}, "latitude", "di luar Indonesia"),
        ({"address": "x" * 300}, "address", "255"),
        ({"latitude": "-6.9", "longitude": "110.4"}, "village", "di luar wilayah program"),
        ({"latitude": "abc"}, "latitude", ""),
    ],
)
def test_the_site_step_refuses_garbage_on_the_field(
    client, program, resident, data, field, message
):
    draft = start(client, program)
    response = client.post(step_url(draft, "site"), {**SITE, **data})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not Site.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"onvif_port": "70000"}, "onvif_port"),
        ({"rtsp_port": "0"}, "rtsp_port"),
        ({"host": "rtsp://admin:x@1.2.3.4/"}, "host"),
        ({"brand": "acme"}, "brand"),
    ],
)
def test_the_recorder_step_refuses_garbage_on_the_field(client, program, resident, data, field):
    draft = start(client, program)
    client.post(step_url(draft, "site"), SITE)
    response = client.post(step_url(draft, "recorder"), {**RECORDER, **data})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Recorder.objects.exists()


def test_a_duplicate_camera_channel_is_refused_on_the_field(client, program, resident):
    draft = walk_to_cameras(client, program)
    response = client.post(
        step_url(draft, "cameras"),
        cameras_payload(
            [
                {"channel": "1", "direction": "0", "angle": "90"},
                {"channel": "1", "direction": "90", "angle": "90"},
            ]
        ),
    )
    assert response.status_code == 400
    assert "sudah dipakai" in " ".join(response.context["formset"].forms[1].errors["channel"])
    assert not Camera.objects.exists()


def test_someone_elses_draft_answers_404(client, program, resident):
    draft = start(client, program)
    client.force_login(UserFactory())
    assert client.get(step_url(draft, "site")).status_code == 404
    assert client.post(step_url(draft, "site"), SITE).status_code == 404


def test_an_unknown_step_answers_404(client, program, resident):
    draft = start(client, program)
    assert client.get(step_url(draft, "launch")).status_code == 404


def test_the_program_page_link_preselects_the_program(client, program, resident):
    other = ProgramFactory(slug="blitar-kota-aman", name="Blitar Kota Aman")
    html = client.get(reverse("joining:start") + "?program=blitar-kota-aman").content.decode()
    assert f'value="{other.slug}" required checked' in html
    assert f'value="{program.slug}" required>' in html


def test_a_visitor_is_asked_to_sign_in_first_and_comes_back(client, program):
    response = client.get(reverse("joining:start") + "?program=mataraksa")
    assert response.status_code == 302
    assert "next=/saya/gabung/%3Fprogram%3Dmataraksa" in response.url


@pytest.mark.parametrize("claimed", ["100000", "65", "-1"])
def test_a_request_claiming_too_many_cameras_gets_a_short_error_and_builds_no_forms(
    client, program, resident, claimed
):
    draft = walk_to_cameras(client, program)
    payload = cameras_payload([{"channel": "1", "direction": "0", "angle": "90"}])
    payload["cam-TOTAL_FORMS"] = claimed

    response = client.post(step_url(draft, "cameras"), payload)

    assert response.status_code == 400
    assert len(response.content) < 200  # no formset rendered back
    assert "64" in response.content.decode()
    assert response.context is None  # no template was rendered at all
    assert not Camera.objects.exists()


def test_the_camera_formset_never_builds_more_than_64_forms():
    from joining.forms import JoinCameraFormSet

    data = cameras_payload([{"channel": "1", "direction": "0", "angle": "90"}])
    data["cam-TOTAL_FORMS"] = "100000"
    formset = JoinCameraFormSet(data, prefix="cam")
    assert JoinCameraFormSet.absolute_max == 64
    assert len(formset.forms) == 64
    assert not formset.is_valid()


def test_submitting_after_a_recent_passing_check_moves_the_cameras_to_checked(
    client, program, resident
):
    from django.utils import timezone

    from connectivity.models import Check, CheckStatus

    draft = walk_to_cameras(client, program)
    client.post(
        step_url(draft, "cameras"),
        cameras_payload([{"channel": "1", "direction": "90", "angle": "90"}]),
    )
    grant_consent(Camera.objects.get())
    client.post(step_url(draft, "consent"))
    Check.objects.create(
        recorder=Recorder.objects.get(),
        status=CheckStatus.FINISHED,
        result_code="ok",
        finished_at=timezone.now(),
    )

    assert client.post(step_url(draft, "review")).status_code == 302

    enrolment = Camera.objects.get().enrolments.get()
    assert enrolment.state == EnrolmentState.CHECKED
    last = enrolment.transitions.order_by("pk").last()
    assert last.actor is None and last.reason.startswith("uji koneksi #")


def test_the_check_step_asks_again_while_the_check_runs_and_stops_when_it_finished(
    client, program, resident
):
    from connectivity.models import Check, CheckStatus

    draft = walk_to_cameras(client, program)
    check = Check.objects.create(recorder=Recorder.objects.get(), status=CheckStatus.RUNNING)
    page = client.get(step_url(draft, "check")).content.decode()
    assert "partial=result" in page and "hx-trigger" in page

    partial = client.get(step_url(draft, "check") + "?partial=result").content.decode()
    assert partial.lstrip().startswith('<div id="check-status"') and "sedang berjalan" in partial

    Check.objects.filter(pk=check.pk).update(
        status=CheckStatus.FINISHED,
        result_code="ok_with_warnings",
        message="Lolos, dengan catatan",
        warnings=["low_fps"],
    )
    partial = client.get(step_url(draft, "check") + "?partial=result").content.decode()
    assert "hx-trigger" not in partial and "Lolos, dengan catatan" in partial
    assert 'data-warning="low_fps"' in partial


def test_the_check_details_lead_back_into_the_wizard(client, program, resident):
    from connectivity.models import Check, CheckStatus

    draft = walk_to_cameras(client, program)
    check = Check.objects.create(recorder=Recorder.objects.get(), status=CheckStatus.FINISHED)
    page = client.get(step_url(draft, "check")).content.decode()
    link = reverse("connectivity:check-detail", args=[check.pk])
    assert f"{link}?kembali={step_url(draft, 'check')}" in page
    detail = client.get(link, {"kembali": step_url(draft, "check")}).content.decode()
    assert f'href="{step_url(draft, "check")}"' in detail and "Kembali ke pendaftaran" in detail
    elsewhere = client.get(link, {"kembali": "//evil.example/"}).content.decode()
    assert 'href="//evil.example/"' not in elsewhere and "Kembali ke pendaftaran" not in elsewhere


@pytest.mark.parametrize(("reported", "rows"), [(0, 1), (4, 4)])
def test_the_cameras_step_prefills_only_the_channels_the_recorder_reported(
    client, program, resident, reported, rows
):
    draft = walk_to_cameras(client, program)
    Recorder.objects.update(channel_count=reported)
    response = client.get(step_url(draft, "cameras"))
    formset = response.context["formset"]
    assert formset.initial_form_count() == rows
    assert [f.initial["channel"] for f in formset.forms[:rows]] == list(range(1, rows + 1))


def test_a_manager_of_an_owner_adds_the_site_to_it_instead_of_a_new_owner(client, program):
    from owners.models import Owner
    from tests.factories import OwnerFactory

    manager = UserFactory()
    estate = OwnerFactory(kind="estate", name="Perumahan Griya Curug", member=manager)
    client.force_login(manager)
    draft = start(client, program)
    page = client.get(step_url(draft, "site")).content.decode()
    assert "Tambahkan ke pemilik" in page and "Perumahan Griya Curug" in page
    site = {k: v for k, v in SITE.items() if not k.startswith("owner_")}
    response = client.post(step_url(draft, "site"), {**site, "existing_owner": estate.pk})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.owner == estate and Owner.objects.count() == 1
    assert Owner.objects.get().name == "Perumahan Griya Curug"


def test_an_owner_the_user_does_not_administer_cannot_be_chosen(client, program, resident):
    from tests.factories import OwnerFactory

    OwnerFactory(member=resident)
    other = OwnerFactory(member=UserFactory())
    draft = start(client, program)
    response = client.post(step_url(draft, "site"), {**SITE, "existing_owner": other.pk})
    assert response.status_code == 400
