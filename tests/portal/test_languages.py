import pytest

pytestmark = pytest.mark.django_db


def test_app_pages_are_served_in_english_under_en(client):
    indonesian = client.get("/accounts/signup/")
    english = client.get("/en/accounts/signup/")
    assert indonesian.status_code == english.status_code == 200
    assert 'lang="id"' in indonesian.content.decode()
    assert 'lang="en"' in english.content.decode()
    assert "Full name" in english.content.decode()
