from __future__ import annotations

import json

from tests.cms.conftest import CAMERA_LAT, CAMERA_LNG, SITE_LAT, SITE_LNG


def private_digits() -> list[str]:
    """Every way the private points of the test homes and cameras could be written."""
    digits = []
    for value in (SITE_LAT, SITE_LNG, CAMERA_LAT, CAMERA_LNG):
        text = str(abs(value))
        digits += [text, text[:-1], text[:-2]]  # 6.181234, 6.18123, 6.1812
    return digits


def test_the_map_data_gives_counts_per_village_at_the_village_centroid(client, home, village_a):
    response = client.get("/program/mataraksa/peta.json")

    assert response.status_code == 200
    data = response.json()
    assert data["counted"] == 350
    first = data["villages"][0]
    assert first["code"] == village_a.code
    assert (first["counted"], first["in_process"]) == (250, 20)
    assert (first["latitude"], first["longitude"]) == (
        float(village_a.latitude),
        float(village_a.longitude),
    )
    assert {d["code"] for d in data["districts"]} == {"36.03.01", "36.03.02"}


def test_the_map_data_never_contains_a_home_or_camera_location(client, home):
    body = client.get("/program/mataraksa/peta.json").content.decode()

    for digits in private_digits():
        assert digits not in body
    for key in ("address", "site", "camera", "recorder", "host"):
        assert f'"{key}' not in body
    assert set(json.loads(body)["villages"][0]) == {
        "code",
        "name",
        "parent_name",
        "latitude",
        "longitude",
        "counted",
        "in_process",
    }


def test_the_map_page_never_contains_a_home_or_camera_location(client, home):
    body = client.get("/program/mataraksa/peta/").content.decode()

    for digits in private_digits():
        assert digits not in body


def test_the_map_page_has_the_counts_table_and_vendored_leaflet(client, home, village_a, settings):
    html = client.get("/program/mataraksa/peta/").content.decode()

    assert f'<span class="area-name">{village_a.name}</span>' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "/static/js/program-map.js" in html
    assert f'data-tiles="{settings.MAP_TILE_URL}"' in html
    assert 'data-url="/program/mataraksa/peta.json"' in html


def test_map_data_of_an_unknown_or_draft_program_is_not_found(client, home, mataraksa):
    assert client.get("/program/tidak-ada/peta.json").status_code == 404
    mataraksa.status = "draft"
    mataraksa.save()
    assert client.get("/program/mataraksa/peta.json").status_code == 404


def test_map_data_only_answers_get(client, home):
    assert client.post("/program/mataraksa/peta.json").status_code == 405
