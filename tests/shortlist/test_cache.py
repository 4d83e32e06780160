"""The per-job shortlist cache: kept until a change it shows, dropped in that change's
transaction, never stored over a newer change, withheld per viewer on every read."""

from __future__ import annotations

import json
import math
from datetime import timedelta

import pytest
import sqlalchemy as sa

from coordinator.assessments import operations as assessments
from coordinator.assessments.models import Assessment, AssessmentState
from coordinator.candidates.models import CandidacyState
from coordinator.candidates.operations import set_candidacy_state, update_candidate
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.operations import CriterionInput, PlannedRoundInput
from coordinator.scheduling import operations as scheduling
from coordinator.shortlist import aggregates, cache, operations
from coordinator.shortlist.models import ShortlistCache
from coordinator.timeutil import freeze, utcnow
from tests.shortlist import reference
from tests.shortlist.conftest import NOW, at, criterion_ids


def stored(job) -> ShortlistCache | None:
    """The job's cache row as the database holds it."""
    db.session.expire_all()
    return db.session.scalar(sa.select(ShortlistCache).where(ShortlistCache.job_id == job.id))


def warm(job) -> int:
    """Read the shortlist (storing its rows); the generation they were stored at."""
    aggregates.build(job)
    db.session.commit()
    row = stored(job)
    assert row is not None and row.payload is not None
    return row.generation


def assert_dropped(job, generation: int) -> None:
    row = stored(job)
    assert row is not None
    assert row.payload is None
    assert row.generation > generation


def assert_noted(job, generation: int, *notes: int | str) -> None:
    """The stored rows stay, with these candidacies noted as changed (their rows alone are
    computed again on the next read; ``id@seconds``: when that instant comes) at a newer
    generation. (A job calibrated against the organisation is noted as CALIBRATION besides
    on every submission anywhere: see test_a_submission_elsewhere_recalibrates_….)"""
    row = stored(job)
    assert row is not None
    assert row.payload is not None
    assert set(row.changed.split()) - {str(cache.CALIBRATION)} == {str(n) for n in notes}
    assert row.generation > generation


def rows(job, **filters):
    return {row.candidacy.id: row for row in aggregates.build(job, **filters).rows}


def test_a_second_read_serves_the_stored_rows(scenario, count_queries):
    warm(scenario.job)
    with count_queries() as queries:
        aggregates.build(scenario.job)
    assert len(queries) == 1, str(queries)
    assert "shortlist_caches" in queries.statements[0]


def test_submitting_an_assessment_notes_its_candidacy(scenario, assess):
    generation = warm(scenario.job)
    cara, priya = scenario.candidacies["cara"], scenario.people["priya"]
    ps, comm = criterion_ids(scenario.first)
    assess(scenario.interviews["cara_first"], priya, {ps: 4, comm: 2}, "yes")
    assert_noted(scenario.job, generation, cara.id)
    assert rows(scenario.job)[cara.id].raw_score == 3.0


def test_saving_a_draft_keeps_the_rows(scenario, assess):
    generation = warm(scenario.job)
    ps, comm = criterion_ids(scenario.first)
    assess(scenario.interviews["cara_first"], scenario.people["priya"], {ps: 1, comm: 1}, "no",
           submit=False)
    row = stored(scenario.job)
    assert row.payload is not None and row.generation == generation


def test_reopening_an_assessment_notes_its_candidacy(scenario, recruiter):
    generation = warm(scenario.job)
    bob = scenario.candidacies["bob"]
    assessment = db.session.scalar(
        sa.select(Assessment).where(
            Assessment.interview_id == scenario.interviews["bob_first"].id,
            Assessment.interviewer_id == scenario.people["priya"].id,
        )
    )
    assessments.reopen_assessment(assessment, actor=recruiter, reason="Mixed up")
    db.session.commit()
    assert_noted(scenario.job, generation, bob.id)
    assert rows(scenario.job)[bob.id].raw_score == 2.0


def test_a_submission_withdrawn_on_an_object_never_loaded_notes_its_candidacy(scenario):
    """Its state before the change was never read into the session: the hook asks the
    database for it rather than taking the new state for the old one."""
    generation = warm(scenario.job)
    assessment = db.session.scalar(
        sa.select(Assessment).where(
            Assessment.interview_id == scenario.interviews["bob_first"].id,
            Assessment.interviewer_id == scenario.people["priya"].id,
        )
    )
    db.session.expire(assessment)
    assessment.state, assessment.submitted_at = AssessmentState.draft, None
    assessment.rating_sum = assessment.rating_count = assessment.rating_scores = None
    db.session.commit()
    assert_noted(scenario.job, generation, scenario.candidacies["bob"].id)
    assert rows(scenario.job)[scenario.candidacies["bob"].id].raw_score == 2.0


def test_moving_a_candidacy_never_loaded_to_another_job_notes_it_with_the_rows_it_left(
    scenario, recruiter
):
    other = jobs.create_job(actor=recruiter, title="Data Engineer", pay_band_min="60000",
                            pay_band_max="80000", pay_band_currency="EUR")
    db.session.commit()
    generation = warm(scenario.job)
    dan = scenario.candidacies["dan"]
    db.session.expire(dan)
    dan.job_id = other.id
    db.session.commit()
    assert_noted(scenario.job, generation, dan.id)
    assert dan.id not in rows(scenario.job, states=list(CandidacyState))


def test_adding_a_candidacy_notes_it_once_the_flush_gives_it_an_id(
    scenario, make_candidacy, make_candidate, recruiter, count_queries
):
    generation = warm(scenario.job)
    zoe = make_candidacy(job=scenario.job, actor=recruiter,
                         candidate=make_candidate(actor=recruiter, name="Zoe Newcomer"))
    db.session.commit()
    assert_noted(scenario.job, generation, zoe.id)
    zoe_id = zoe.id
    with count_queries() as queries:
        shown = rows(scenario.job)
    assert shown[zoe_id].candidate.name == "Zoe Newcomer"
    # The cache's read, Zoe's row, the organisation's sample (the job is calibrated
    # against it), the store: no other row read again.
    assert len(queries) == 4, str(queries)


def test_recording_a_decision_notes_its_candidacy(scenario, recruiter):
    generation = warm(scenario.job)
    bob = scenario.candidacies["bob"]
    decision = operations.record_decision(bob, actor=recruiter, outcome="hold", reason="Wait",
                                          confirm_missing=True)
    db.session.commit()
    assert_noted(scenario.job, generation, bob.id)
    assert rows(scenario.job)[bob.id].last_decision.id == decision.id


def seconds(instant) -> int:
    """An instant as a note due then has it (``id@seconds``)."""
    return math.ceil(instant.timestamp())


def test_booking_into_a_new_round_notes_its_candidacy_now_and_when_the_interview_starts(
    scenario, book, open_round
):
    generation = warm(scenario.job)
    cara = scenario.candidacies["cara"]
    assert cara.id not in rows(scenario.job, planned_round_id=scenario.team.id)
    generation = stored(scenario.job).generation
    book(open_round(cara, scenario.team), at(16, 9), [scenario.people["tom"]])
    assert_noted(scenario.job, generation, cara.id, f"{cara.id}@{seconds(at(16, 9))}")
    assert cara.id in rows(scenario.job, planned_round_id=scenario.team.id)


def kept_until(job, generation: int, payload: str) -> ShortlistCache:
    """The job's stored rows are those read before (``payload``), at a newer generation (so
    rows computed before the change are not stored after it)."""
    row = stored(job)
    assert row.payload == payload
    assert row.generation > generation
    return row


def test_moving_an_interview_ahead_keeps_the_rows_and_notes_its_candidacy_for_the_new_start(
    scenario, recruiter
):
    """Nothing Bob's row shows changes before the interview starts: reads serve the stored
    rows until then."""
    generation = warm(scenario.job)
    payload = stored(scenario.job).payload
    bob = scenario.candidacies["bob"]
    scheduling.reschedule_interview(scenario.interviews["bob_team"], actor=recruiter,
                                    reason="Room", starts_at=at(16, 9))
    db.session.commit()
    assert_noted(scenario.job, generation, f"{bob.id}@{seconds(at(16, 9))}")
    aggregates.build(scenario.job)
    db.session.commit()
    assert kept_until(scenario.job, generation, payload).changed.split() == [
        f"{bob.id}@{seconds(at(16, 9))}"
    ]


def test_moving_an_interview_that_started_notes_its_candidacy(scenario):
    """Done rounds and missing assessments move with an interview already held."""
    generation = warm(scenario.job)
    alice = scenario.candidacies["alice"]
    done_before = rows(scenario.job)[alice.id].rounds_done
    held = scenario.interviews["alice_team"]
    held.starts_at, held.ends_at = at(20, 9), at(20, 10)
    db.session.commit()
    assert_noted(scenario.job, generation, alice.id)
    assert rows(scenario.job)[alice.id].rounds_done == done_before - 1


def test_booking_ahead_keeps_the_rows_until_the_interview_starts_then_reads_its_row_again(
    scenario, recruiter, open_round, count_queries
):
    """Cara's team round has no interview yet: booking one notes her candidacy for its start.
    Until then reads serve the stored rows (who owes what is read with them: Tom's is
    withheld at once); once it starts, her row alone is read again and her missing
    assessments count it."""
    cara, tom = scenario.candidacies["cara"], scenario.people["tom"]
    team = open_round(cara, scenario.team)
    generation = warm(scenario.job)
    payload = stored(scenario.job).payload
    change = scheduling.schedule_interview(
        team, actor=recruiter, starts_at=at(10, 9), duration_minutes=60,
        time_zone="Europe/Berlin", panel=[scheduling.Seat(tom.id, "peer")])
    db.session.commit()
    assert_noted(scenario.job, generation, f"{cara.id}@{seconds(at(10, 9))}")
    cara_id, interview_id, _ = cara.id, change.interview.id, tom.id  # loaded: not counted
    with count_queries() as queries:
        seen = rows(scenario.job, viewer=tom)[cara_id]
    assert len(queries) == 1, str(queries)
    assert seen.withheld and seen.owed_interview_id == interview_id
    missing = rows(scenario.job)[cara_id].missing_assessments
    db.session.commit()
    kept_until(scenario.job, generation, payload)
    freeze(at(10, 9, 5))
    with count_queries() as queries:
        assert rows(scenario.job)[cara_id].missing_assessments == missing + 1
    read_again = [q for q in queries.statements if "job_candidacies" in q]
    assert len(read_again) == 1 and " IN (" in read_again[0], str(queries)


def test_booking_ahead_into_rows_stored_in_another_shape_notes_the_candidacy_at_once(
    scenario, recruiter, open_round
):
    """Rows a server running the previous release stored (it reads only those, and could not
    read a note due later): the booking's note is a plain one."""
    cara, tom = scenario.candidacies["cara"], scenario.people["tom"]
    team = open_round(cara, scenario.team)
    warm(scenario.job)
    older = json.dumps(
        {"key": "0" * 32, "scope": "job", "rows": [], "format": cache.FORMAT - 1},
        separators=(",", ":"),
    )
    db.session.execute(
        sa.update(ShortlistCache)
        .where(ShortlistCache.job_id == scenario.job.id)
        .values(payload=older, changed=None)
    )
    db.session.commit()
    scheduling.schedule_interview(
        team, actor=recruiter, starts_at=at(10, 9), duration_minutes=60,
        time_zone="Europe/Berlin", panel=[scheduling.Seat(tom.id, "peer")])
    db.session.commit()
    assert stored(scenario.job).changed.split() == [str(cara.id)]


def test_rows_stored_in_this_shape_say_so_right_after_their_key(scenario):
    warm(scenario.job)
    payload = stored(scenario.job).payload
    assert payload[len('{"key":"') + 32 + 1 :].startswith(f',"format":{cache.FORMAT},')


def test_booking_ahead_into_a_round_whose_interview_had_ended_notes_the_candidacy(
    scenario, recruiter
):
    """Alice's team round was done (its interview ended): a second interview in it undoes that."""
    alice, ivan = scenario.candidacies["alice"], scenario.people["ivan"]
    done_before = rows(scenario.job)[alice.id].rounds_done
    db.session.commit()
    generation = stored(scenario.job).generation
    scheduling.schedule_interview(
        scenario.interviews["alice_team"].round, actor=recruiter, starts_at=at(20, 9),
        duration_minutes=60, time_zone="Europe/Berlin", panel=[scheduling.Seat(ivan.id, "peer")])
    db.session.commit()
    assert_noted(scenario.job, generation, alice.id)
    assert rows(scenario.job)[alice.id].rounds_done == done_before - 1


def test_rows_computed_before_a_booking_ahead_are_not_stored(scenario, recruiter, open_round):
    """Rows a read computed while an interview was booked ahead (another transaction's
    change, committed meanwhile) are not stored after it."""
    cara, tom = scenario.candidacies["cara"], scenario.people["tom"]
    team = open_round(cara, scenario.team)

    def compute_while_booking(previous, changed):
        computed = aggregates.compute(scenario.job, utcnow(), previous, changed)
        scheduling.schedule_interview(
            team, actor=recruiter, starts_at=at(20, 9), duration_minutes=60,
            time_zone="Europe/Berlin", panel=[scheduling.Seat(tom.id, "peer")])
        db.session.flush()
        return computed

    cache.invalidate([scenario.job.id])
    db.session.commit()
    cache.load(scenario.job, NOW, compute_while_booking)
    db.session.commit()
    assert stored(scenario.job).payload is None


def test_changing_the_panel_of_an_interview_ahead_keeps_the_rows_and_withholds_at_once(
    scenario, recruiter, count_queries
):
    generation = warm(scenario.job)
    payload = stored(scenario.job).payload
    bob = scenario.candidacies["bob"]
    ivan, tom = scenario.people["ivan"], scenario.people["tom"]
    assert not rows(scenario.job, viewer=tom)[bob.id].withheld
    scheduling.reschedule_interview(
        scenario.interviews["bob_team"], actor=recruiter, reason="Swap",
        panel=[scheduling.Seat(ivan.id, "peer"), scheduling.Seat(tom.id, "peer")],
    )
    db.session.commit()
    kept_until(scenario.job, generation, payload)
    bob_id, _ = bob.id, tom.id
    with count_queries() as queries:
        seen = rows(scenario.job, viewer=tom)[bob_id]
    assert len(queries) == 1, str(queries)
    assert seen.withheld and seen.owed_interview_id == scenario.interviews["bob_team"].id


def test_taking_a_seat_off_an_interview_that_started_notes_its_candidacy(scenario):
    """Missing assessments count the seats of interviews held."""
    generation = warm(scenario.job)
    alice = scenario.candidacies["alice"]
    seat = next(p for p in scenario.interviews["alice_first"].panel
                if p.user_id == scenario.people["sofia"].id)
    db.session.delete(seat)
    db.session.commit()
    assert_noted(scenario.job, generation, alice.id)


def test_cancelling_an_interview_notes_its_candidacy(scenario, recruiter):
    generation = warm(scenario.job)
    scheduling.cancel_interview(scenario.interviews["bob_team"], actor=recruiter, reason="Ill")
    db.session.commit()
    assert_noted(scenario.job, generation, scenario.candidacies["bob"].id)


def test_adding_a_planned_round_notes_the_plan_and_moves_next_rounds(
    scenario, recruiter, count_queries
):
    generation = warm(scenario.job)
    alice = scenario.candidacies["alice"]
    assert rows(scenario.job)[alice.id].next_round is None
    db.session.commit()
    generation = stored(scenario.job).generation
    jobs.add_planned_round(scenario.job, PlannedRoundInput(title="Final", relationships=["peer"]),
                           actor=recruiter)
    db.session.commit()
    assert_noted(scenario.job, generation, cache.PLAN)
    job_id, alice_id = scenario.job.id, alice.id
    with count_queries() as queries:
        shown = rows(scenario.job)
    # The stored row, the plan (and the organisation's sample this job calibrates against),
    # the rows stored anew: no candidacy's row is read again.
    assert not any("job_candidacies" in q for q in queries.statements), str(queries)
    assert any("FROM planned_rounds" in q for q in queries.statements), str(queries)
    assert shown[alice_id].next_round == "Final"
    db.session.commit()
    assert db.session.get(ShortlistCache, job_id).changed is None


def test_renaming_a_criterion_notes_the_plan_and_shows_the_new_title(scenario, recruiter):
    generation = warm(scenario.job)
    first = scenario.first
    criteria = [CriterionInput("Reasoning" if c.position == 0 else c.title, id=c.id)
                for c in first.criteria]
    jobs.update_planned_round(
        first, PlannedRoundInput(title=first.title, relationships=["peer"], criteria=criteria),
        actor=recruiter)
    db.session.commit()
    assert_noted(scenario.job, generation, cache.PLAN)
    assert "Reasoning" in [title for _, title in aggregates.build(scenario.job).criteria]


def test_changing_a_candidacy_state_notes_it(scenario, recruiter):
    generation = warm(scenario.job)
    cara = scenario.candidacies["cara"]
    set_candidacy_state(cara, CandidacyState.rejected, actor=recruiter, reason="Withdrew")
    db.session.commit()
    assert_noted(scenario.job, generation, cara.id)
    assert cara.id not in rows(scenario.job)


def test_renaming_a_candidate_notes_their_candidacy(scenario, recruiter):
    generation = warm(scenario.job)
    cara = scenario.candidacies["cara"]
    update_candidate(cara.candidate, actor=recruiter, name="Cara Renamed")
    db.session.commit()
    assert_noted(scenario.job, generation, cara.id)
    assert rows(scenario.job)[cara.id].candidate.name == "Cara Renamed"


def test_a_submission_elsewhere_recalibrates_rows_calibrated_against_the_organisation(
    scenario, make_job, make_planned_round, make_candidacy, make_candidate, recruiter, book,
    open_round, assess, count_queries,
):
    """The rows stay, noted as CALIBRATION: the next read works out the calibrated scores
    again from the organisation's sample (no row is read again)."""
    generation = warm(scenario.job)
    assert stored(scenario.job).scope == "organisation"
    before = {row.candidacy.id: row.calibrated_score for row in rows(scenario.job).values()}
    other = make_job(actor=recruiter, title="Elsewhere")
    planned = make_planned_round(other, actor=recruiter, criteria=["Depth"])
    candidate = make_candidate(actor=recruiter)
    candidacy = make_candidacy(job=other, actor=recruiter, candidate=candidate)
    # Priya and Tom on one panel elsewhere, far apart: their leniencies move.
    priya, tom = scenario.people["priya"], scenario.people["tom"]
    interview = book(open_round(candidacy, planned), at(5, 9), [priya, tom])
    assess(interview, priya, {criterion_ids(planned)[0]: 4}, "yes")
    assess(interview, tom, {criterion_ids(planned)[0]: 1}, "no")
    assert_noted(scenario.job, generation)
    assert set(stored(scenario.job).changed.split()) == {str(cache.CALIBRATION)}
    expected = {
        row.candidacy.id: row.calibrated_score for row in reference.build(scenario.job).rows
    }
    with count_queries() as queries:
        shown = aggregates.build(scenario.job).rows
    assert {row.candidacy.id: row.calibrated_score for row in shown} == expected != before
    # The cache's read, the organisation's sample, the store: no row read again.
    assert len(queries) == 3, str(queries)


def test_rows_expire_when_an_interview_starts(scenario):
    warm(scenario.job)
    bob = scenario.candidacies["bob"]
    assert rows(scenario.job)[bob.id].missing_assessments == 0
    freeze(scenario.interviews["bob_team"].starts_at + timedelta(minutes=1))
    assert rows(scenario.job)[bob.id].missing_assessments == 2


def test_rows_computed_while_the_job_changes_are_not_stored(scenario, recruiter):
    """A read whose rows were computed before a concurrent change never stores them after it."""
    warm(scenario.job)
    cache.invalidate([scenario.job.id])
    db.session.commit()
    generation = stored(scenario.job).generation

    def compute_while_changing(previous, changed):
        computed = aggregates.compute(scenario.job, utcnow(), previous, changed)
        cache.invalidate([scenario.job.id])  # another transaction's change, committed meanwhile
        return computed

    cache.load(scenario.job, NOW, compute_while_changing)
    db.session.commit()
    assert_dropped(scenario.job, generation)


def test_rows_computed_before_the_first_change_are_not_stored(scenario):
    db.session.execute(sa.delete(ShortlistCache).where(ShortlistCache.job_id == scenario.job.id))
    db.session.commit()

    def compute_while_changing(previous, changed):
        computed = aggregates.compute(scenario.job, utcnow(), previous, changed)
        cache.invalidate([scenario.job.id])
        return computed

    cache.load(scenario.job, NOW, compute_while_changing)
    db.session.commit()
    row = stored(scenario.job)
    assert row.payload is None and row.generation == 1


def test_a_viewer_who_owes_an_assessment_sees_cached_rows_withheld(
    scenario, api_as, recruiter, hiring_manager, book, open_round, assess
):
    """The hiring manager sits on Cara's first interview without an assessment in: Cara's row
    stays withheld from them though the recruiter's read stored it unwithheld."""
    cara = scenario.candidacies["cara"]
    interview = book(open_round(cara, scenario.team), at(5, 9),
                     [scenario.people["ivan"], hiring_manager])
    assess(interview, scenario.people["ivan"], {c: 3 for c in criterion_ids(scenario.team)}, "yes")
    url = f"/jobs/{scenario.job.id}/shortlist"
    shown = {i["candidacy_id"]: i for i in api_as(recruiter).get(url).json["items"]}
    assert shown[cara.id]["withheld"] is False and shown[cara.id]["raw_score"] == 3.0
    assert stored(scenario.job).payload is not None
    owed = {i["candidacy_id"]: i for i in api_as(hiring_manager).get(url).json["items"]}
    assert owed[cara.id]["withheld"] is True
    assert owed[cara.id]["raw_score"] is None
    assert owed[cara.id]["recommendations"] is None
    assert owed[cara.id]["per_criterion"] is None
    again = {i["candidacy_id"]: i for i in api_as(recruiter).get(url).json["items"]}
    assert again[cara.id] == shown[cara.id]


def test_a_seat_given_after_the_rows_were_cached_withholds_that_row_until_assessed(
    scenario, hiring_manager, book, open_round, assess
):
    """Who owes what is cached with the rows: seating the hiring manager on Cara's interview
    drops them, so the next read withholds Cara's row; their submission releases it."""
    cara = scenario.candidacies["cara"]
    warm(scenario.job)
    assert not rows(scenario.job, viewer=hiring_manager)[cara.id].withheld
    interview = book(open_round(cara, scenario.team), at(5, 9), [hiring_manager])
    seated = rows(scenario.job, viewer=hiring_manager)[cara.id]
    assert seated.withheld and seated.owed_interview_id == interview.id
    assess(interview, hiring_manager, {c: 3 for c in criterion_ids(scenario.team)}, "yes")
    assert not rows(scenario.job, viewer=hiring_manager)[cara.id].withheld


def test_a_cached_read_asks_no_statement_of_what_the_viewer_owes(
    scenario, hiring_manager, count_queries
):
    warm(scenario.job)
    assert hiring_manager.id  # the viewer is loaded before counting
    with count_queries() as queries:
        aggregates.build(scenario.job, viewer=hiring_manager)
    assert len(queries) == 1, str(queries)
    assert "shortlist_caches" in queries.statements[0]


@pytest.mark.parametrize("viewer", ["recruiter", "sofia"])
def test_cached_rows_equal_the_reference_for_each_viewer(scenario, recruiter, viewer):
    """Sofia owes her assessment of Alice's first interview (a draft)."""
    user = recruiter if viewer == "recruiter" else scenario.people[viewer]
    warm(scenario.job)
    expected = reference.build(scenario.job, viewer=user)
    actual = aggregates.build(scenario.job, viewer=user)
    assert [(r.candidacy.id, r.withheld, r.raw_score, r.calibrated_score, r.recommendations)
            for r in actual.rows] == [
        (r.candidacy.id, r.withheld, r.raw_score, r.calibrated_score, r.recommendations)
        for r in expected.rows
    ]


def test_a_repeated_read_reuses_the_decoded_rows_without_fetching_them(scenario, monkeypatch):
    warm(scenario.job)
    aggregates.build(scenario.job)  # decodes the stored JSON once and remembers it
    decoded = []
    monkeypatch.setattr(cache.pydantic_core, "from_json", lambda text: decoded.append(text))
    again = aggregates.build(scenario.job)
    assert decoded == []
    assert {row.candidacy.id for row in again.rows} == set(rows(scenario.job))


def test_rows_remembered_by_the_process_are_not_served_after_a_change(scenario, recruiter):
    warm(scenario.job)
    aggregates.build(scenario.job)
    cara = scenario.candidacies["cara"]
    assert cara.id in rows(scenario.job)
    set_candidacy_state(cara, CandidacyState.rejected, actor=recruiter, reason="Withdrew")
    db.session.commit()
    assert cara.id not in rows(scenario.job)


def test_rows_stored_anew_for_the_same_generation_replace_the_remembered_ones(scenario):
    warm(scenario.job)
    first = aggregates.build(scenario.job)
    # Another server stores other rows without a change (their time ran out, say): same
    # generation, a new key.
    db.session.execute(
        sa.update(ShortlistCache)
        .where(ShortlistCache.job_id == scenario.job.id)
        .values(payload=None, computed_at=None, valid_until=None)
    )
    db.session.commit()
    warm(scenario.job)
    payload, _ = cache.load(scenario.job, utcnow(), lambda: pytest.fail("served from the cache"))
    assert {row.candidacy.id for row in aggregates.build(scenario.job).rows} == {
        row.candidacy.id for row in first.rows
    }
    head, remembered = cache.memo.get(scenario.job.id)
    assert remembered is payload
    assert head == stored(scenario.job).payload[: len(head)]


def test_rows_stored_in_another_shape_are_computed_again_and_replaced(scenario):
    warm(scenario.job)
    # What a server running other code stored (a release rolling out server by server).
    other = json.dumps(
        {"key": "0" * 32, "format": cache.FORMAT + 1, "records": []}, separators=(",", ":")
    )
    db.session.execute(
        sa.update(ShortlistCache)
        .where(ShortlistCache.job_id == scenario.job.id)
        .values(payload=other)
    )
    db.session.commit()
    cache.memo.clear()
    shown = rows(scenario.job)
    assert scenario.candidacies["cara"].id in shown
    db.session.commit()
    payload = stored(scenario.job).payload
    assert payload != other and f'"format":{cache.FORMAT}' in payload


def test_the_process_remembers_the_rows_of_a_few_jobs_only():
    memo = cache.Memo(size=2)
    for job_id in (1, 2, 3):
        memo.put(job_id, f"head{job_id}", {"rows": []})
    assert memo.get(1) is None
    assert memo.get(2) is not None and memo.get(3) is not None


def test_who_owes_what_is_remembered_per_viewer_at_the_generation_read(scenario):
    warm(scenario.job)
    tom = scenario.people["tom"]
    rows(scenario.job, viewer=tom)
    row = stored(scenario.job)
    version, owed = cache.owed_memo.get((scenario.job.id, tom.id))
    assert version == (row.generation, row.payload[: len(version[1])])
    # Tom owes his reopened assessment of Alice's team interview.
    assert owed == f"{scenario.candidacies['alice'].id}:{scenario.interviews['alice_team'].id}"


def test_what_a_rolled_back_change_made_a_viewer_owe_is_not_remembered(
    scenario, recruiter, hiring_manager
):
    """Seating Tom on Bob's team interview, reading as Tom, then rolling back leaves the
    generation where it was; a later change raises it to that same number, and Tom must not
    see what the rolled-back change made him owe."""
    warm(scenario.job)
    bob, tom, ivan, priya = (scenario.candidacies["bob"], scenario.people["tom"],
                             scenario.people["ivan"], scenario.people["priya"])
    bob_id = bob.id
    assert not rows(scenario.job, viewer=tom)[bob_id].withheld
    interview = scenario.interviews["bob_team"]
    seats = [scheduling.Seat(u.id, "peer") for u in (ivan, priya)]
    scheduling.reschedule_interview(interview, actor=recruiter, reason="Swap",
                                    panel=[*seats, scheduling.Seat(tom.id, "peer")])
    assert rows(scenario.job, viewer=tom)[bob_id].withheld
    db.session.rollback()
    scheduling.reschedule_interview(interview, actor=recruiter, reason="Manager joins",
                                    panel=[*seats, scheduling.Seat(hiring_manager.id, "peer")])
    db.session.commit()
    assert not rows(scenario.job, viewer=tom)[bob_id].withheld
    assert rows(scenario.job, viewer=hiring_manager)[bob_id].withheld


def test_each_row_shows_its_own_latest_decision_of_several(scenario, recruiter):
    bob, cara = scenario.candidacies["bob"], scenario.candidacies["cara"]
    first = operations.record_decision(bob, actor=recruiter, outcome="hold", reason="Wait",
                                       confirm_missing=True)
    other = operations.record_decision(cara, actor=recruiter, outcome="hold", reason="Later",
                                       confirm_missing=True)
    db.session.commit()
    latest = operations.record_decision(bob, actor=recruiter, outcome="advance", reason="Go",
                                        confirm_missing=True)
    db.session.commit()
    shown = rows(scenario.job, states=list(CandidacyState))
    assert latest.id > other.id > first.id
    assert (shown[bob.id].last_decision.id, shown[bob.id].last_decision.reason) == (latest.id, "Go")
    assert shown[cara.id].last_decision.id == other.id
