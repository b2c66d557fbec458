"""The one snapshot rule: a first frame is kept only when its camera grants scope (e)."""

from __future__ import annotations

import pytest

from connectivity.selectors import snapshot_camera, snapshot_storage_allowed
from tests.factories import CameraFactory, RecorderFactory, grant_consent

pytestmark = pytest.mark.django_db


def test_snapshot_storage_needs_scope_e_on_the_camera_the_frame_shows():
    recorder = RecorderFactory()
    first = CameraFactory(recorder=recorder, channel=1)
    second = CameraFactory(recorder=recorder, channel=2)
    assert snapshot_camera(recorder=recorder) == first
    assert not snapshot_storage_allowed(recorder=recorder)

    grant_consent(first, scopes="ab")
    assert not snapshot_storage_allowed(recorder=recorder)

    grant_consent(second, scopes="ae")  # another channel's (e) does not cover channel 1
    assert not snapshot_storage_allowed(recorder=recorder)

    grant_consent(first, scopes="ae")
    assert snapshot_storage_allowed(recorder=recorder)


def test_a_recorder_without_cameras_keeps_no_snapshot():
    assert not snapshot_storage_allowed(recorder=RecorderFactory())
