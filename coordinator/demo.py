"""Demo data for ``make run``: users of every role, jobs with interview plans, candidates."""

from __future__ import annotations

import sqlalchemy as sa

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role, User
from coordinator.candidates import operations as candidates
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.operations import CriterionInput, PlannedRoundInput

DEMO_PASSWORD = "demo-password"

USERS = [
    ("admin@demo.example", "Ada Admin", "IT administrator", "Europe/Berlin", {Role.admin}),
    ("recruiter@demo.example", "Rita Recruiter", "Senior recruiter", "Europe/Berlin",
     {Role.recruiter, Role.interviewer}),
    ("manager@demo.example", "Hugo Manager", "Head of Platform Engineering", "Europe/Berlin",
     {Role.hiring_manager, Role.interviewer}),
    ("peer@demo.example", "Priya Peer", "Senior backend engineer", "Europe/London",
     {Role.interviewer}),
    ("colleague@demo.example", "Carlos Colleague", "Product designer", "America/New_York",
     {Role.interviewer}),
    ("supervisor@demo.example", "Sofia Supervisor", "Engineering manager", "Europe/Berlin",
     {Role.interviewer}),
    ("tech@demo.example", "Tomás Tech", "Staff engineer", "Europe/Madrid", {Role.interviewer}),
]

CANDIDATES = [
    ("Alex Kim", "alex.kim@candidates.example", "+1 415 555 0101", "America/Los_Angeles"),
    ("Béatrice Dupont", "beatrice.dupont@candidates.example", "+33 1 55 55 01 02", "Europe/Paris"),
    ("Chen Wei", "chen.wei@candidates.example", "+86 10 5555 0103", "Asia/Shanghai"),
    ("Dara O'Neill", "dara.oneill@candidates.example", "+353 1 555 0104", "Europe/Dublin"),
    ("Emeka Obi", "emeka.obi@candidates.example", "+234 1 555 0105", "Africa/Lagos"),
    ("Fatima Zahra", "fatima.zahra@candidates.example", "+212 5 2255 0106", "Africa/Casablanca"),
    ("Gustav Lind", "gustav.lind@candidates.example", "+46 8 555 0107", "Europe/Stockholm"),
    ("Hana Sato", "hana.sato@candidates.example", "+81 3 5555 0108", "Asia/Tokyo"),
]


def has_data() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) != 0


def seed() -> None:
    users = {}
    for email, name, title, zone, roles in USERS:
        users[email] = accounts.create_user(
            actor=None, email=email, name=name, job_title=title, time_zone=zone, roles=roles,
            password=DEMO_PASSWORD, bio=f"{name.split()[0]} works as {title.lower()}.",
        )
    recruiter = users["recruiter@demo.example"]
    manager = users["manager@demo.example"]

    backend = jobs.create_job(
        actor=recruiter, title="Senior Backend Engineer", department="Platform",
        location="Berlin or remote (EU)", hiring_manager_id=manager.id,
        pay_band_min="75000", pay_band_max="95000", pay_band_currency="EUR",
    )
    jobs.add_planned_round(backend, PlannedRoundInput(
        title="First interview", duration_minutes=45, relationships=["hiring_manager"],
        criteria=[CriterionInput("Motivation", "Why this role, why now?"),
                  CriterionInput("Communication", "Clear, structured answers.")],
    ), actor=recruiter)
    jobs.add_planned_round(backend, PlannedRoundInput(
        title="Team interview", duration_minutes=60, relationships=["peer", "supervisor"],
        description="Meet future peers and the engineering manager; system design discussion.",
        criteria=[CriterionInput("System design", "Trade-offs, failure modes, data modelling.",
                                 relationship="peer"),
                  CriterionInput("Collaboration", "How they disagree and decide."),
                  CriterionInput("Ownership", "Examples of seeing work through.",
                                 relationship="supervisor"),
                  CriterionInput("Curiosity", "Questions asked about us.", is_required=False)],
    ), actor=recruiter)
    jobs.add_planned_round(backend, PlannedRoundInput(
        title="Compensation discussion", kind="compensation_discussion", duration_minutes=30,
        relationships=["hiring_manager"],
        description="Salary expectations, start date and notice period.",
    ), actor=recruiter)

    designer = jobs.create_job(
        actor=recruiter, title="Product Designer", department="Design", location="New York",
        hiring_manager_id=manager.id, pay_band_min="110000", pay_band_max="140000",
        pay_band_currency="USD",
    )
    jobs.add_planned_round(designer, PlannedRoundInput(
        title="Portfolio review", duration_minutes=60, relationships=["colleague"],
        criteria=[CriterionInput("Craft", "Quality of the work shown."),
                  CriterionInput("Process", "How they get from problem to design.")],
    ), actor=recruiter)
    jobs.add_planned_round(designer, PlannedRoundInput(
        title="Design exercise with peers", duration_minutes=90,
        relationships=["peer", "colleague"],
        criteria=[CriterionInput("Problem framing"), CriterionInput("Collaboration")],
    ), actor=recruiter)

    people = [candidates.create_candidate(actor=recruiter, name=n, email=e, phone=p, time_zone=z)
              for n, e, p, z in CANDIDATES]
    backend_candidacies = [candidates.open_candidacy(backend, person, actor=recruiter)
                           for person in people[:6]]
    for person in people[4:]:
        candidates.open_candidacy(designer, person, actor=recruiter)
    db.session.flush()
    _history(backend, backend_candidacies, users)


def _history(job, candidacies, users) -> None:
    """First rounds that happened, their assessments, booked team rounds, a decision and a
    compensation stage — so every page has something to show."""
    from datetime import timedelta

    from coordinator.assessments import operations as assessments
    from coordinator.compensation import operations as compensation
    from coordinator.scheduling import operations as scheduling
    from coordinator.shortlist import operations as shortlist
    from coordinator.timeutil import utcnow

    recruiter = users["recruiter@demo.example"]
    manager = users["manager@demo.example"]
    colleague = users["colleague@demo.example"]
    peer = users["peer@demo.example"]
    supervisor = users["supervisor@demo.example"]
    first, team, pay = job.planned_rounds
    today = utcnow().replace(hour=9, minute=0, second=0, microsecond=0)
    scores = [(4, 3, "strong_yes", 3, 3, "yes"), (3, 3, "yes", 2, 3, "yes"),
              (2, 2, "no", 2, 1, "strong_no"), (3, 4, "yes", 4, 4, "strong_yes")]
    for index, candidacy in enumerate(candidacies[:4]):
        held = scheduling.open_round(candidacy, first, actor=recruiter)
        change = scheduling.schedule_interview(
            held, actor=recruiter, starts_at=today - timedelta(days=7 - index, hours=-index),
            duration_minutes=45, time_zone="Europe/Berlin", location="Berlin office, room 2",
            panel=[scheduling.Seat(manager.id, "hiring_manager"),
                   scheduling.Seat(colleague.id, "colleague")], record_past=True)
        motivation, communication = first.criteria
        m1, c1, r1, m2, c2, r2 = scores[index]
        assessments.save_assessment(change.interview, actor=manager,
                                    ratings={motivation.id: m1, communication.id: c1},
                                    recommendation=r1, notes="Clear examples.",
                                    notes_for_later="Probe the migration project more deeply.",
                                    submit=True)
        if index != 1:  # one assessment still missing, to show follow-up
            assessments.save_assessment(change.interview, actor=colleague,
                                        ratings={motivation.id: m2, communication.id: c2},
                                        recommendation=r2, submit=True)
    for index, candidacy in enumerate(candidacies[:2]):
        upcoming = scheduling.open_round(candidacy, team, actor=recruiter)
        scheduling.schedule_interview(
            upcoming, actor=recruiter, starts_at=today + timedelta(days=3 + index, hours=5),
            duration_minutes=60, time_zone="Europe/Berlin", video_url="https://meet.example.com/team",
            panel=[scheduling.Seat(peer.id, "peer"), scheduling.Seat(supervisor.id, "supervisor")])
    shortlist.record_decision(candidacies[0], actor=manager, outcome="advance",
                              reason="Strong first round; meet the team next.")
    scheduling.open_round(candidacies[0], pay, actor=recruiter)
    stage = compensation.stage_of(candidacies[0])
    if stage is not None:
        compensation.set_expectations(stage, actor=recruiter, amount="92000", currency="EUR",
                                      notice_period="3 months",
                                      notes="Flexible on the split between base and bonus.")


def logins_text() -> str:
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    for email, name, _title, _zone, roles in USERS:
        lines.append(f"  {email:<26} {name:<18} {', '.join(sorted(r.value for r in roles))}")
    return "\n".join(lines)
