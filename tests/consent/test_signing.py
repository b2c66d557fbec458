from __future__ import annotations

import base64
import io
import time

import pytest
from django.urls import reverse
from PIL import Image

from consent.models import ConsentRecord, SignerCapacity
from consent.selectors import current_terms, scopes_in_force
from consent.services import SIGNATURE_PREFIX, SigningRefused, agreement_sign
from owners.models import MemberRole, Membership, OwnerKind
from tests.consent.conftest import OwnerFactory, World, publish_terms, sign
from tests.factories import CameraFactory, RecorderFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def png_data_url(width: int, height: int) -> str:
    buffer = io.BytesIO()
    Image.new("L", (width, height), 255).save(buffer, format="PNG")
    return SIGNATURE_PREFIX + base64.b64encode(buffer.getvalue()).decode()


PNG = png_data_url(400, 150)  # the signing page's canvas


def test_signing_records_time_ip_agent_text_hash_language_and_scopes(world: World):
    record = sign(
        owner=world.owner,
        user=world.admin,
        cameras=world.cameras,
        scopes="abe",
        language="en",
        signature_image=PNG,
    )
    terms = current_terms()
    assert record.kind == "agreement"
    assert record.terms_sha256 == terms.text_sha256
    assert record.terms_version == terms.version
    assert record.language == "en"
    assert record.ip_address == "203.0.113.7"
    assert record.user_agent == "pytest"
    assert record.signer_name == "Budi Santoso"
    assert record.signature_image == PNG
    assert record.created_at.utcoffset().total_seconds() == 0
    assert scopes_in_force(cameras=world.cameras) == {c.pk: "abe" for c in world.cameras}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scopes": []}, "paling sedikit satu cakupan"),
        ({"scopes": ["b"]}, r"Cakupan \(a\)"),
        ({"cameras": []}, "paling sedikit satu kamera"),
        ({"signer_name": "  "}, "nama lengkap"),
        ({"confirmed": False}, "Centang"),
        ({"signature_image": "data:image/png;base64,!!!"}, "tidak valid"),
        ({"signature_image": SIGNATURE_PREFIX + "A" * 200_000}, "terlalu besar"),
        ({"signature_image": "data:text/html;base64,PGgxPg=="}, "tidak valid"),
        (
            {"capacity": SignerCapacity.REPRESENTATIVE, "authority_statement": ""},
            "pernyataan kewenangan",
        ),
    ],
)
def test_bad_signatures_are_refused_with_a_message(world: World, change, message):
    kwargs = {"owner": world.owner, "user": world.admin, "cameras": world.cameras, **change}
    with pytest.raises(SigningRefused, match=message):
        sign(**kwargs)
    assert not ConsentRecord.objects.exists()


def test_signing_a_version_that_is_not_the_current_one_is_refused(world: World):
    old = current_terms()
    publish_terms()
    with pytest.raises(SigningRefused, match="bukan versi terbaru"):
        sign(owner=world.owner, user=world.admin, cameras=world.cameras, terms=old)


def test_signing_for_a_camera_the_signer_does_not_control_is_refused(world: World):
    with pytest.raises(SigningRefused, match="bukan milik Anda"):
        sign(
            owner=world.owner,
            user=world.admin,
            cameras=[world.cameras[0], world.other_camera],
        )


def test_a_viewer_member_cannot_sign(world: World):
    viewer = UserFactory()
    Membership.objects.create(owner=world.owner, user=viewer, role=MemberRole.VIEWER)
    with pytest.raises(SigningRefused, match="pengelola"):
        sign(owner=world.owner, user=viewer, cameras=world.cameras)


def test_an_estate_manager_signs_as_representative_with_a_declaration_of_authority(
    world: World,
):
    manager = UserFactory(full_name="Pengelola Griya")
    estate = OwnerFactory(
        name="Perumahan Griya Asri", kind=OwnerKind.ESTATE, is_organisation=True, member=manager
    )
    camera = CameraFactory(
        recorder=RecorderFactory(site=SiteFactory(owner=estate, village=world.site.village))
    )
    with pytest.raises(SigningRefused, match="pernyataan kewenangan"):
        sign(
            owner=estate,
            user=manager,
            cameras=[camera],
            capacity=SignerCapacity.REPRESENTATIVE,
        )
    record = sign(
        owner=estate,
        user=manager,
        cameras=[camera],
        capacity=SignerCapacity.REPRESENTATIVE,
        authority_statement="Saya pengelola berdasarkan SK Direksi No. 12/2026.",
    )
    assert record.capacity == SignerCapacity.REPRESENTATIVE
    assert "SK Direksi" in record.authority_statement


def test_a_business_signs_through_its_own_officer_without_the_estate_declaration(
    client, world: World
):
    director = UserFactory(full_name="Budi Santoso")
    shop = OwnerFactory(
        name="Toko Santoso", kind=OwnerKind.BUSINESS, is_organisation=True, member=director
    )
    camera = CameraFactory(
        recorder=RecorderFactory(site=SiteFactory(owner=shop, village=world.site.village))
    )
    client.force_login(director)
    page = client.get(reverse("consent:sign", args=[shop.pk]))
    assert page.context["form"]["capacity"].value() == SignerCapacity.SIGNATORY
    with pytest.raises(SigningRefused, match="jabatan"):
        sign(owner=shop, user=director, cameras=[camera], capacity=SignerCapacity.SIGNATORY)
    record = sign(
        owner=shop,
        user=director,
        cameras=[camera],
        capacity=SignerCapacity.SIGNATORY,
        authority_statement="Direktur",
    )
    assert record.capacity == SignerCapacity.SIGNATORY  # what they chose, never overridden


def test_a_business_owner_who_picks_owner_keeps_that_choice(world: World):
    director = UserFactory()
    shop = OwnerFactory(kind=OwnerKind.BUSINESS, is_organisation=True, member=director)
    camera = CameraFactory(
        recorder=RecorderFactory(site=SiteFactory(owner=shop, village=world.site.village))
    )
    record = sign(owner=shop, user=director, cameras=[camera], capacity=SignerCapacity.OWNER)
    assert record.capacity == SignerCapacity.OWNER


def test_a_resident_cannot_sign_as_an_organisations_officer(world: World):
    with pytest.raises(SigningRefused, match="organisasi"):
        sign(
            owner=world.owner,
            user=world.admin,
            cameras=world.cameras,
            capacity=SignerCapacity.SIGNATORY,
            authority_statement="Direktur",
        )


# --- through the page ---------------------------------------------------------------


def form_data(world: World, **change):
    data = {
        "terms": current_terms().pk,
        "cameras": [c.pk for c in world.cameras],
        "scopes": ["a", "b"],
        "capacity": "owner",
        "signer_name": "Budi Santoso",
        "confirmed": "on",
        "signature_image": PNG,
    }
    data.update(change)
    return {k: v for k, v in data.items() if v is not None}


def test_the_owner_signs_through_the_page_and_gets_the_receipt(client, world: World):
    client.force_login(world.admin)
    page = client.get(reverse("consent:sign", args=[world.owner.pk]))
    assert page.status_code == 200
    assert current_terms().text_sha256 in page.content.decode()
    assert 'src="/static/consent/signature.js"' in page.content.decode()
    response = client.post(
        reverse("consent:sign", args=[world.owner.pk]),
        form_data(world),
        HTTP_USER_AGENT="Mozilla/5.0 test",
        REMOTE_ADDR="198.51.100.4",
    )
    record = ConsentRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("consent:receipt", args=[record.receipt_id])
    assert record.user_agent == "Mozilla/5.0 test"
    assert record.ip_address == "198.51.100.4"
    assert record.language == "id"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scopes": None}, "paling sedikit satu cakupan"),
        ({"cameras": None}, "paling sedikit satu kamera"),
        ({"confirmed": None}, "Centang kotak"),
        ({"terms": 999999}, "bukan versi terbaru"),
        ({"terms": "abc"}, ""),
        ({"signature_image": "x" * 200_000}, "terlalu besar"),
        ({"scopes": ["z"]}, ""),
    ],
)
def test_bad_input_on_the_page_answers_400_with_a_message_never_500(
    client, world: World, change, message
):
    client.force_login(world.admin)
    response = client.post(
        reverse("consent:sign", args=[world.owner.pk]), form_data(world, **change)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_a_camera_of_another_owner_cannot_be_slipped_into_the_form(client, world: World):
    client.force_login(world.admin)
    response = client.post(
        reverse("consent:sign", args=[world.owner.pk]),
        form_data(world, cameras=[world.other_camera.pk]),
    )
    assert response.status_code == 400
    assert not ConsentRecord.objects.exists()


def test_an_old_version_posted_from_a_stale_page_is_refused(client, world: World):
    client.force_login(world.admin)
    old = current_terms()
    publish_terms()
    response = client.post(
        reverse("consent:sign", args=[world.owner.pk]), form_data(world, terms=old.pk)
    )
    assert response.status_code == 400
    assert "bukan versi terbaru" in response.content.decode()


def test_another_owner_and_the_police_get_404_on_the_signing_page(client, world: World):
    for user in (world.other_admin, world.analyst.user, world.other_analyst.user):
        client.force_login(user)
        assert client.get(reverse("consent:sign", args=[world.owner.pk])).status_code == 404
        assert client.get(reverse("consent:overview", args=[world.owner.pk])).status_code == 404


def test_the_owner_service_refuses_an_owner_the_user_is_not_member_of(world: World):
    with pytest.raises(SigningRefused):
        agreement_sign(
            owner=world.other_owner,
            user=world.admin,
            terms=current_terms(),
            cameras=[world.other_camera],
            scopes=["a"],
            signer_name="Budi Santoso",
            confirmed=True,
            language="id",
        )


def test_an_owner_reading_in_english_signs_the_english_text_and_it_is_recorded(
    client, world: World
):
    client.force_login(world.admin)
    url = reverse("consent:sign", args=[world.owner.pk])
    page = client.get(url)
    assert "Read in English" in page.content.decode()
    page = client.get(url, {"bahasa": "en"})
    html = page.content.decode()
    assert "CCTV Warga camera data-sharing consent" in html
    assert 'name="bahasa" value="en"' in html
    client.post(url, {**form_data(world), "bahasa": "en"})
    assert ConsentRecord.objects.get().language == "en"


def test_the_consent_index_lists_only_the_users_own_owners(client, world: World):
    from tests.factories import UserFactory as Users

    both = Users()
    Membership.objects.create(owner=world.owner, user=both, role=MemberRole.ADMIN)
    Membership.objects.create(owner=world.other_owner, user=both, role=MemberRole.VIEWER)
    client.force_login(both)
    html = client.get(reverse("consent:index")).content.decode()
    assert world.owner.name in html and world.other_owner.name in html
    client.force_login(world.admin)
    response = client.get(reverse("consent:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("consent:overview", args=[world.owner.pk])
    client.force_login(world.analyst.user)
    assert world.owner.name not in client.get(reverse("consent:index")).content.decode()


def test_a_tiny_png_that_decodes_to_a_huge_image_is_refused_at_signing(world: World):
    bomb = png_data_url(9400, 9400)  # about 90 kB of compressed zeros
    assert len(bomb) < 150_000
    started = time.monotonic()
    with pytest.raises(SigningRefused, match="terlalu besar"):
        sign(owner=world.owner, user=world.admin, cameras=world.cameras, signature_image=bomb)
    assert time.monotonic() - started < 5  # refused from the header, never decoded
    assert not ConsentRecord.objects.exists()


def test_a_png_without_its_header_chunk_is_refused(world: World):
    headless = SIGNATURE_PREFIX + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).decode()
    with pytest.raises(SigningRefused, match="tidak valid"):
        sign(owner=world.owner, user=world.admin, cameras=world.cameras, signature_image=headless)


def test_pillow_refuses_images_over_the_configured_pixel_limit(settings):
    from django.apps import apps

    assert Image.MAX_IMAGE_PIXELS == settings.IMAGE_MAX_PIXELS
    settings.IMAGE_MAX_PIXELS = 1000
    apps.get_app_config("portal").ready()
    try:
        buffer = io.BytesIO()
        Image.new("L", (100, 100)).save(buffer, format="PNG")
        buffer.seek(0)
        with pytest.raises(Image.DecompressionBombError):
            Image.open(buffer).load()
    finally:
        settings.IMAGE_MAX_PIXELS = 40_000_000
        apps.get_app_config("portal").ready()
