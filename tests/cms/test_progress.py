from __future__ import annotations

from owners.models import Enrolment, EnrolmentState
from owners.services import enrolment_transition
from police import selectors as police_selectors
from registry import progress as selectors
from tests.cms.conftest import enrol_cameras
from tests.factories import ProgramFactory


def test_it_counts_cameras_the_police_accepted_toward_the_target(mataraksa):
    progress = selectors.program_progress(program=mataraksa)

    assert progress.counted == 350  # verified + connected + stickered
    assert progress.in_process == 30  # submitted + checked
    assert progress.target == 1000
    assert progress.percent == 35


def test_drafts_rejected_and_withdrawn_cameras_are_not_counted(db, village_a):
    program = ProgramFactory()
    enrol_cameras(
        program=program, village=village_a, states={"draft": 3, "rejected": 2, "withdrawn": 1}
    )

    progress = selectors.program_progress(program=program)

    assert (progress.counted, progress.in_process) == (0, 0)


def test_progress_by_village_lists_villages_with_the_most_cameras_first(
    mataraksa, village_a, village_b
):
    rows = selectors.program_progress_by_village(program=mataraksa)

    assert [(r.code, r.counted, r.in_process) for r in rows] == [
        (village_a.code, 250, 20),
        (village_b.code, 100, 10),
    ]
    assert rows[0].parent_name == village_a.parent.name


def test_progress_by_district_sums_its_villages(mataraksa, village_a):
    rows = selectors.program_progress_by_district(program=mataraksa)

    assert [(r.code, r.counted) for r in rows] == [(village_a.parent.code, 250), ("36.03.02", 100)]


def test_the_cached_figure_follows_an_enrolment_transition(mataraksa):
    assert selectors.program_progress(program=mataraksa).counted == 350
    enrolment = Enrolment.objects.filter(program=mataraksa, state=EnrolmentState.CHECKED).first()

    enrolment_transition(enrolment=enrolment, to_state=EnrolmentState.VERIFIED, actor=None)

    progress = selectors.program_progress(program=mataraksa)
    assert (progress.counted, progress.in_process) == (351, 29)
    by_village = {
        r.code: r.counted for r in selectors.program_progress_by_village(program=mataraksa)
    }
    assert by_village["36.03.02.2002"] == 101


def test_the_cached_figure_follows_a_new_enrolment(mataraksa, village_a):
    assert selectors.program_progress(program=mataraksa).counted == 350

    enrol_cameras(program=mataraksa, village=village_a, states={"verified": 5})

    assert selectors.program_progress(program=mataraksa).counted == 355


def test_a_repeated_read_is_served_from_the_cache(mataraksa, django_assert_max_num_queries):
    selectors.program_progress(program=mataraksa)
    selectors.program_progress_by_village(program=mataraksa)

    with django_assert_max_num_queries(2):  # the change stamp only, no counting
        assert selectors.program_progress(program=mataraksa).counted == 350
        assert len(selectors.program_progress_by_village(program=mataraksa)) == 2


def test_totals_add_up_every_program(mataraksa, village_a):
    other = ProgramFactory(target=500)
    enrol_cameras(program=other, village=village_a, states={"connected": 4, "submitted": 1})

    totals = selectors.progress_totals(programs=[mataraksa, other])

    assert (totals.counted, totals.in_process, totals.target) == (354, 31, 1500)


def test_draft_programs_are_not_public(db):
    ProgramFactory(slug="rahasia", status="draft")

    assert police_selectors.program_public_get(slug="rahasia") is None
