import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from accounts.phones import normalize_phone

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("0812 3456 7890", "+6281234567890"),
        ("62812 3456 7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("(021) 5835 1234", "+622158351234"),
    ],
)
def test_indonesian_numbers_in_local_form_are_stored_as_e164(raw, e164):
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize(
    "raw", ["", "12", "0812", "halo", "+62 812 3456 7890 1234 5678 9012 3456 78", "0000000000"]
)
def test_an_invalid_number_gets_a_clear_message(raw):
    with pytest.raises(ValidationError) as excinfo:
        normalize_phone(raw)
    assert "Nomor telepon tidak valid" in excinfo.value.messages[0]


def signup(client, **data):
    payload = {
        "full_name": "Siti Rahmawati",
        "password1": "Kamera-Aman-2026",
        "password2": "Kamera-Aman-2026",
    }
    payload.update(data)
    return client.post(reverse("account_signup"), payload)


def test_a_resident_signs_up_with_a_local_phone_number(client):
    response = signup(client, phone="0812 3456 7890")
    assert response.status_code == 302
    user = User.objects.get(phone="+6281234567890")
    assert user.full_name == "Siti Rahmawati"
    assert user.phone_verified is False
    assert user.email is None


def test_a_resident_signs_up_with_an_email_address(client, mailoutbox):
    response = signup(client, email="siti@example.id")
    assert response.status_code == 302
    assert User.objects.filter(email="siti@example.id").exists()
    assert mailoutbox, "a verification email is sent"


def test_sign_up_without_email_or_phone_is_refused_with_a_message(client):
    response = signup(client)
    assert response.status_code == 200
    assert "Isi alamat email atau nomor HP" in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_with_a_garbage_phone_number_is_refused_with_a_message(client):
    response = signup(client, phone="nomor saya")
    assert response.status_code == 200
    assert "Nomor telepon tidak valid" in response.content.decode()
    assert not User.objects.exists()


def test_a_second_account_with_the_same_phone_is_not_created(client):
    User.objects.create_user(email=None, password="x", phone="+6281234567890")
    signup(client, phone="081234567890")  # allauth answers as if new, to prevent enumeration
    assert User.objects.count() == 1


@pytest.mark.parametrize("typed", ["0812 3456 7890", "081234567890", "+62 812-3456-7890"])
def test_a_resident_signs_in_with_the_number_as_they_type_it(client, typed):
    user = User.objects.create_user(email=None, password="Kamera-Aman-2026")
    user.phone, user.phone_verified = "+6281234567890", True
    user.save()
    response = client.post(
        reverse("account_login"), {"login": typed, "password": "Kamera-Aman-2026"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_two_residents_without_email_can_both_sign_up(client):
    signup(client, phone="081234567890")
    client.logout()
    signup(client, phone="081298765432")
    assert User.objects.filter(email__isnull=True).count() == 2


def test_the_wagtail_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
