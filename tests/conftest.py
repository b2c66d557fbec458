from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rate-limit counters and cached progress are
    keyed by ids, and ids repeat from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _indonesian_by_default():
    """Each test starts in Indonesian: a request to /en/... leaves English active in
    the thread, and reverse() would then build /en/ URLs for the next test."""
    from django.utils import translation

    translation.activate("id")
    yield
    translation.deactivate()


def give_totp(user) -> None:
    """Enrol a TOTP authenticator, as police staff must before seeing any page."""
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})


# Protocol fakes on real sockets (fixtures: rtsp_server, fault_peers, redirect_target,
# closed_port, graph_api).
pytest_plugins = ["tests.fakes.rtsp_server", "tests.fakes.fault_peers", "tests.fakes.graph_api"]
