"""The dashboard: recent jobs and their active candidacy counts, shortcuts by role."""

from __future__ import annotations

from coordinator.candidates import operations as candidates
from coordinator.candidates.models import CandidacyState
from coordinator.db import db
from tests.web.pages import text


def test_recruiter_sees_recent_jobs_with_counts_of_candidacies_still_in_play(
        client, login, recruiter, make_job, make_candidacy):
    job = make_job(title="Counted Role")
    make_candidacy(job=job)
    make_candidacy(job=job)
    withdrawn = make_candidacy(job=job)
    candidates.set_candidacy_state(withdrawn, CandidacyState.withdrawn, actor=recruiter,
                                   reason="Took another offer")
    db.session.commit()
    login(recruiter)
    page = text(client.get("/"))
    assert f'<a href="/jobs/{job.id}">Counted Role</a>' in page
    assert f'<a href="/jobs/{job.id}#candidacies">2</a>' in page
    assert 'href="/candidates/new"' in page


def test_hiring_manager_sees_the_jobs_they_hire_for(client, login, hiring_manager, make_job,
                                                    make_candidacy):
    mine = make_job(title="My Team Role", hiring_manager_id=hiring_manager.id)
    make_candidacy(job=mine)
    make_job(title="Someone Else's Role")
    login(hiring_manager)
    page = text(client.get("/"))
    assert "Jobs you hire for" in page
    assert f'<a href="/jobs/{mine.id}#candidacies">1</a>' in page
    assert "/candidates/new" not in page


def test_interviewer_sees_recent_jobs_without_counts(client, login, interviewer, make_job,
                                                     make_candidacy, make_interview):
    job = make_job(title="Any Role")
    make_interview(make_candidacy(job=job), [interviewer])
    login(interviewer)
    page = text(client.get("/"))
    assert "Any Role" in page
    assert "#candidacies" not in page
    assert "Jobs you hire for" not in page


def test_interviewer_sees_only_the_jobs_they_interview_for_among_recent_jobs(
        client, login, interviewer, make_job, make_candidacy, make_interview):
    make_interview(make_candidacy(job=make_job(title="Seated Role")), [interviewer])
    make_job(title="Elsewhere Role")
    login(interviewer)
    page = text(client.get("/"))
    assert "Seated Role" in page
    assert "Elsewhere Role" not in page


def test_closed_jobs_leave_the_dashboard(client, login, recruiter, make_job):
    from coordinator.jobs.models import JobState

    job = make_job(title="Finished Role")
    job.state = JobState.closed
    db.session.commit()
    login(recruiter)
    assert "Finished Role" not in text(client.get("/"))
