from __future__ import annotations

from urllib.parse import unquote

from django.utils import translation

from connectivity.brands import BRANDS, candidate_paths
from connectivity.explanations import EXPLANATIONS, NOTES, explain, warning_notes
from connectivity.rtsp import ERROR_CODES
from owners.models import RecorderBrand


def test_every_recorder_brand_choice_has_a_profile():
    assert set(RecorderBrand.values) <= set(BRANDS)


def test_hikvision_numbers_channel_one_main_stream_101():
    assert candidate_paths(brand="hikvision")[0] == "/Streaming/Channels/101"
    assert candidate_paths(brand="hikvision", channel=4)[0] == "/Streaming/Channels/401"


def test_dahua_uses_realmonitor_with_the_channel():
    assert candidate_paths(brand="dahua", channel=2)[0] == "/cam/realmonitor?channel=2&subtype=0"


def test_xiongmai_puts_percent_encoded_credentials_in_the_path():
    path = candidate_paths(brand="xiongmai", username="admin", password="a@b:c/d#e?")[0]

    assert "password=a%40b%3Ac%2Fd%23e%3F&" in path
    assert unquote(path.split("password=")[1].split("&")[0]) == "a@b:c/d#e?"
    assert candidate_paths(brand="xiongmai")[1] == "/live/ch00_0"


def test_tapo_and_uniview_defaults():
    assert BRANDS["tapo"].onvif_port == 2020
    assert candidate_paths(brand="tapo")[0] == "/stream1"
    assert candidate_paths(brand="uniview")[0] == "/unicast/c1/s0/live"


def test_an_unknown_brand_tries_every_brand_main_stream_without_duplicates():
    paths = candidate_paths(brand="generic")

    assert paths[0] == "/Streaming/Channels/101"
    assert "/cam/realmonitor?channel=1&subtype=0" in paths
    assert "/stream1" in paths
    assert len(paths) == len(set(paths))


def test_every_code_the_probe_can_end_with_has_an_explanation():
    codes = (ERROR_CODES - {"port_closed"}) | {
        "dns_failed", "address_not_allowed", "port_not_allowed", "port_closed", "no_response",
        "not_onvif", "auth_failed", "clock_skew", "probe_crashed", "ok", "ok_with_warnings",
    }  # fmt: skip
    assert codes <= set(EXPLANATIONS)
    for code in codes:
        rendered = explain(code, {"port": 554, "skew": 3600})
        assert rendered["title"] and rendered["text"] and rendered["next_step"]


def test_the_port_is_named_in_the_port_closed_explanation():
    assert "554" in explain("port_closed", {"port": 554})["title"]


def test_every_note_the_probe_gives_has_a_text_and_advice():
    codes = ["h265_only", "low_fps", "low_resolution", "clock_skew"]
    assert set(codes) <= set(NOTES)
    notes = warning_notes(codes)
    assert [n["code"] for n in notes] == codes
    assert all(n["text"] and n["advice"] for n in notes)
    with translation.override("en"):
        (clock,) = warning_notes(["clock_skew"])
    assert clock["text"] == "The recorder's clock is off: recording times will be wrong."
    assert clock["advice"].startswith("Turn on NTP")
    assert warning_notes(["from_a_newer_probe"]) == [
        {"code": "from_a_newer_probe", "text": "from_a_newer_probe", "advice": ""}
    ]


def test_scrubbing_hides_credentials_but_never_mangles_the_address():
    from connectivity.probe import scrub

    assert scrub("rtsp://127.0.0.1:554/live", "1") == "rtsp://127.0.0.1:554/live"
    assert scrub("rtsp://u:p@127.0.0.1:554/x", "p") == "rtsp://127.0.0.1:554/x"
    assert scrub("rtsp://h:554/user=a&password=s3cret!&channel=1", "s3cret!") == (
        "rtsp://h:554/user=a&password=***&channel=1"
    )
