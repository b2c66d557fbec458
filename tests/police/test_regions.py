"""The one region-hierarchy helper (police/regions.py)."""

from __future__ import annotations

import pytest

from police.models import Region
from police.regions import region_code_lineage, region_code_parent, region_q
from tests.factories import region_tree


def test_a_code_knows_its_parent_and_lineage():
    assert region_code_parent("36.03.01.2004") == "36.03.01"
    assert region_code_parent("36") is None
    assert region_code_lineage("36.03.01.2004") == ["36", "36.03", "36.03.01", "36.03.01.2004"]


@pytest.mark.django_db
def test_inside_means_the_region_itself_or_below_it_never_a_sibling_with_the_same_prefix():
    village = region_tree("36.03", "01", "2004")
    region_tree("36.31", "01", "1001")  # "36.3" is a prefix of "36.31" as text, not as a region
    codes = set(Region.objects.filter(region_q(["36.03"])).values_list("code", flat=True))
    assert codes == {"36.03", "36.03.01", village.code}
    assert not Region.objects.filter(region_q([])).exists()
