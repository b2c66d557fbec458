"""A real RTSP server for the tests: Debian's GStreamer gst-rtsp-server.

Run by ``tests/fakes/rtsp_server.py`` with Debian's ``/usr/bin/python3`` (which has ``gi``),
not with the project's virtualenv. It serves Matroska clips (H.264 or H.265, made by the
tests with PyAV) over RTSP with Digest authentication on a random loopback port, and
prints one JSON line ``{"port": N}`` on stdout once it listens. It stops when stdin closes.

Usage: gst_rtsp_serve.py CONFIG_JSON
CONFIG_JSON: {"users": {"name": "password"}, "mounts": {"/path": {"file": F, "codec": C,
              "inband": bool}}}
"""

import json
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

PAYLOADERS = {"h264": ("h264parse", "rtph264pay"), "h265": ("h265parse", "rtph265pay")}


def launch_line(mount):
    parser, payloader = PAYLOADERS[mount["codec"]]
    location = mount["file"].replace('"', "")
    if mount.get("inband"):
        # parameter sets before every key frame, aggregated with it (STAP-A / AP)
        pay_options = "config-interval=-1 aggregate-mode=zero-latency"
    else:
        # parameter sets only in the SDP (sprop-parameter-sets / sprop-vps,sps,pps)
        pay_options = "config-interval=0"
    return (
        f'( filesrc location="{location}" ! matroskademux ! {parser} ! '
        f"{payloader} name=pay0 pt=96 mtu=1400 {pay_options} )"
    )


def main():
    config = json.loads(sys.argv[1])
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service("0")

    auth = GstRtspServer.RTSPAuth()
    auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    for user, password in config["users"].items():
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "viewer")
        auth.add_digest(user, password, token)
    server.set_auth(auth)

    mounts = server.get_mount_points()
    for path, mount in config["mounts"].items():
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch_line(mount))
        factory.set_shared(False)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("viewer", "media.factory.access", True)
        permissions.add_permission_for_role("viewer", "media.factory.construct", True)
        factory.set_permissions(permissions)
        mounts.add_factory(path, factory)

    loop = GLib.MainLoop()
    server.attach(None)
    print(json.dumps({"port": server.get_bound_port()}), flush=True)

    def watch_stdin():
        sys.stdin.read()
        GLib.idle_add(loop.quit)

    threading.Thread(target=watch_stdin, daemon=True).start()
    loop.run()


if __name__ == "__main__":
    main()
