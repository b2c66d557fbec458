"""Where a camera's snapshots are stored, and their deletion when consent ends.

Connectivity stores a check's first frame under the camera's prefix, with an
unguessable file name, in the private storage (never under MEDIA_ROOT), and
only when scope (e) is in force; withdrawal and account deletion remove the
whole prefix. Snapshots reach a browser only through a view that checks the
viewer's right to see them.
"""

from __future__ import annotations

import secrets

from owners.models import Camera
from portal.private_files import private_storage


def snapshot_prefix(*, camera: Camera) -> str:
    """Where connectivity stores a camera's snapshots in the private storage (a contract)."""
    return f"snapshots/camera-{camera.pk}/"


def snapshot_name(*, camera: Camera) -> str:
    """A new, unguessable file name for one of ``camera``'s snapshots."""
    return f"{snapshot_prefix(camera=camera)}{secrets.token_urlsafe(24)}.jpg"


def snapshots_delete(*, camera: Camera) -> int:
    """Delete every stored snapshot of ``camera``; returns how many files went."""
    storage = private_storage()
    prefix = snapshot_prefix(camera=camera)
    try:
        _dirs, files = storage.listdir(prefix)
    except FileNotFoundError:
        return 0
    for name in files:
        storage.delete(prefix + name)
    return len(files)
