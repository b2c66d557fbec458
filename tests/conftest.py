from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def give_totp(user) -> None:
    """Enrol a TOTP authenticator, as police staff must before seeing any page."""
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})


# Protocol fakes on real sockets (fixtures: rtsp_server, fault_peers, redirect_target,
# closed_port).
pytest_plugins = ["tests.fakes.rtsp_server", "tests.fakes.fault_peers"]
