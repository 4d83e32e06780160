"""A realistic scenario in the live server's database: a job with a three-round plan and a
candidate who passed the first round (held with the hiring manager and a colleague)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role
from coordinator.candidates import links
from coordinator.candidates import operations as candidates
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.operations import CriterionInput, PlannedRoundInput
from coordinator.scheduling import operations as scheduling
from coordinator.timeutil import utcnow

PASSWORD = "browser-password-1"
_n = itertools.count(1)


@dataclass
class Scenario:
    recruiter_email: str
    manager_email: str
    peer_email: str
    supervisor_email: str
    colleague_email: str
    job_id: int
    candidacy_id: int
    first_round_id: int
    team_planned_id: int
    compensation_planned_id: int
    peer_id: int
    supervisor_id: int
    team_interview_id: int | None = None
    portal_path: str | None = None


def build(*, book_team: bool = False) -> Scenario:
    n = next(_n)

    def user(kind: str, name: str, title: str, zone: str, *roles: Role):
        return accounts.create_user(actor=None, email=f"{kind}{n}@browser.example.com",
                                    name=name, job_title=title, time_zone=zone,
                                    roles=set(roles), password=PASSWORD,
                                    bio=f"{name.split()[0]} has been here for five years.")

    recruiter = user("recruiter", f"Rita Recruiter {n}", "Recruiter", "Europe/Berlin",
                     Role.recruiter)
    manager = user("manager", f"Hugo Manager {n}", "Head of Platform", "Europe/Berlin",
                   Role.hiring_manager, Role.interviewer)
    peer = user("peer", f"Priya Peer {n}", "Senior engineer", "Europe/London", Role.interviewer)
    supervisor = user("supervisor", f"Sofia Supervisor {n}", "Engineering manager",
                      "Europe/Berlin", Role.interviewer)
    colleague = user("colleague", f"Carlos Colleague {n}", "Designer", "Europe/Berlin",
                     Role.interviewer)
    job = jobs.create_job(actor=recruiter, title=f"Backend Engineer {n}", department="Platform",
                          location="Berlin", hiring_manager_id=manager.id,
                          pay_band_min="70000", pay_band_max="90000", pay_band_currency="EUR")
    first = jobs.add_planned_round(job, PlannedRoundInput(
        title="First interview", duration_minutes=45,
        relationships=["hiring_manager", "colleague"],
        criteria=[CriterionInput("Motivation"), CriterionInput("Communication")]),
        actor=recruiter)
    team = jobs.add_planned_round(job, PlannedRoundInput(
        title="Team interview", duration_minutes=60, relationships=["peer", "supervisor"],
        criteria=[CriterionInput("System design", "Trade-offs and failure modes"),
                  CriterionInput("Collaboration"), CriterionInput("Ownership")]),
        actor=recruiter)
    compensation = jobs.add_planned_round(job, PlannedRoundInput(
        title="Compensation discussion", kind="compensation_discussion", duration_minutes=30,
        relationships=["hiring_manager"]), actor=recruiter)
    candidate = candidates.create_candidate(actor=recruiter, name=f"Alex Kim {n}",
                                            email=f"alex{n}@candidates.example.com",
                                            time_zone="America/New_York")
    candidacy = candidates.open_candidacy(job, candidate, actor=recruiter)
    first_round = scheduling.open_round(candidacy, first, actor=recruiter)
    held = (utcnow() - timedelta(days=3)).replace(hour=14, minute=0, second=0, microsecond=0)
    scheduling.schedule_interview(
        first_round, actor=recruiter, starts_at=held, duration_minutes=45,
        time_zone="Europe/Berlin", location="Berlin office",
        panel=[scheduling.Seat(manager.id, "hiring_manager"),
               scheduling.Seat(colleague.id, "colleague")], record_past=True)
    team_interview_id = portal_path = None
    if book_team:
        team_round = scheduling.open_round(candidacy, team, actor=recruiter)
        soon = (utcnow() + timedelta(days=4)).replace(hour=15, minute=0, second=0,
                                                      microsecond=0)
        booked = scheduling.schedule_interview(
            team_round, actor=recruiter, starts_at=soon, duration_minutes=60,
            time_zone="Europe/Berlin", video_url="https://meet.example.com/team-interview",
            panel=[scheduling.Seat(peer.id, "peer"), scheduling.Seat(supervisor.id, "supervisor"),
                   scheduling.Seat(colleague.id, "colleague")])
        team_interview_id = booked.interview.id
        portal_path = "/p/" + links.issue(candidacy).token
    db.session.commit()
    return Scenario(recruiter.email, manager.email, peer.email, supervisor.email,
                    colleague.email, job.id, candidacy.id, first_round.id, team.id,
                    compensation.id, peer.id, supervisor.id, team_interview_id, portal_path)


@dataclass
class Assessed:
    story: Scenario
    interview_ids: list[int]
    candidacy_ids: list[int]
    criteria: list[int]


def build_assessed(*, peer_submits: bool) -> Assessed:
    """Two candidacies whose team interview took place yesterday; the supervisor assessed both,
    the peer too when ``peer_submits``. The first round left a note for later interviewers."""
    from coordinator.accounts.models import User
    from coordinator.assessments import operations as assessments
    from coordinator.jobs.models import Job, PlannedRound

    story = build()
    job = db.session.get(Job, story.job_id)
    team = db.session.get(PlannedRound, story.team_planned_id)
    first = next(p for p in job.planned_rounds if p.position == 0)
    recruiter = accounts.get_user_by_email(story.recruiter_email)
    manager = accounts.get_user_by_email(story.manager_email)
    peer = db.session.get(User, story.peer_id)
    supervisor = db.session.get(User, story.supervisor_id)
    colleague = accounts.get_user_by_email(story.colleague_email)
    first_interview = scheduling.get_round(
        candidates.get_candidacy(story.candidacy_id), story.first_round_id).interviews[0]
    assessments.save_assessment(first_interview, actor=manager,
                                ratings={c.id: 3 for c in first.criteria}, recommendation="yes",
                                notes_for_later="Ask about the database migration she led.",
                                submit=True)
    assessments.save_assessment(first_interview, actor=colleague,
                                ratings={c.id: 3 for c in first.criteria}, recommendation="yes",
                                submit=True)
    other = candidates.create_candidate(actor=recruiter, name=f"Béatrice Dupont {story.job_id}",
                                        email=f"bea{story.job_id}@candidates.example.com",
                                        time_zone="Europe/Paris")
    candidacy_ids = [story.candidacy_id,
                     candidates.open_candidacy(job, other, actor=recruiter).id]
    yesterday = (utcnow() - timedelta(days=1)).replace(hour=10, minute=0, second=0,
                                                       microsecond=0)
    interview_ids = []
    for index, candidacy_id in enumerate(candidacy_ids):
        candidacy = candidates.get_candidacy(candidacy_id)
        round_ = scheduling.open_round(candidacy, team, actor=recruiter)
        interview = scheduling.schedule_interview(
            round_, actor=recruiter, starts_at=yesterday + timedelta(hours=2 * index),
            duration_minutes=60, time_zone="Europe/Berlin", record_past=True,
            panel=[scheduling.Seat(peer.id, "peer"),
                   scheduling.Seat(supervisor.id, "supervisor")]).interview
        interview_ids.append(interview.id)
        scores = [4, 3, 3] if index == 0 else [2, 2, 3]
        ratings = {c.id: s for c, s in zip(team.criteria, scores, strict=False)}
        assessments.save_assessment(interview, actor=supervisor, ratings=ratings,
                                    recommendation="strong_yes" if index == 0 else "no",
                                    notes="Sharp trade-off reasoning.", submit=True)
        if peer_submits:
            assessments.save_assessment(interview, actor=peer, ratings=ratings,
                                        recommendation="yes" if index == 0 else "no",
                                        submit=True)
    db.session.commit()
    return Assessed(story, interview_ids, candidacy_ids, [c.id for c in team.criteria])
