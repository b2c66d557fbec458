"""Where a camera's snapshots are stored, and their deletion when consent ends.

Connectivity stores a check's first frame under the camera's prefix only when
scope (e) is in force; withdrawal and account deletion remove the whole prefix.
"""

from __future__ import annotations

from django.core.files.storage import default_storage

from owners.models import Camera


def snapshot_prefix(*, camera: Camera) -> str:
    """Where connectivity stores a camera's snapshots in default storage (a contract)."""
    return f"snapshots/camera-{camera.pk}/"


def snapshots_delete(*, camera: Camera) -> int:
    """Delete every stored snapshot of ``camera``; returns how many files went."""
    prefix = snapshot_prefix(camera=camera)
    try:
        _dirs, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return 0
    for name in files:
        default_storage.delete(prefix + name)
    return len(files)
