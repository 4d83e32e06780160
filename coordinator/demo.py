"""Demo data for ``make run``: users of every role, jobs with interview plans, candidates."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role, User
from coordinator.candidates import operations as candidates
from coordinator.db import db
from coordinator.jobs import operations as jobs
from coordinator.jobs.operations import CriterionInput, PlannedRoundInput
from coordinator.timeutil import to_zone

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

#: What the demo people wrote about themselves; someone who wrote nothing has no bio (the
#: candidate's page then shows none rather than made-up filler).
BIOS = {
    "manager@demo.example": "I run the platform group: twelve engineers who keep payments, "
                            "search and the public API up. Before that: trading systems.",
    "peer@demo.example": "Backend engineer on the payments team since 2021; I care about boring, "
                         "well-tested code and on-call rotations that let people sleep.",
    "supervisor@demo.example": "I lead the team you would join and do the one-to-ones, "
                               "planning and career conversations.",
}

CANDIDATES = [
    ("Alex Kim", "alex.kim@candidates.example", "+1 416 555 0101", "America/Toronto"),
    ("Béatrice Dupont", "beatrice.dupont@candidates.example", "+33 1 55 55 01 02", "Europe/Paris"),
    ("Chen Wei", "chen.wei@candidates.example", "+86 10 5555 0103", "Asia/Shanghai"),
    ("Dara O'Neill", "dara.oneill@candidates.example", "+353 1 555 0104", "Europe/Dublin"),
    ("Emeka Obi", "emeka.obi@candidates.example", "+234 1 555 0105", "Africa/Lagos"),
    ("Fatima Zahra", "fatima.zahra@candidates.example", "+212 5 2255 0106", "Africa/Casablanca"),
    ("Gustav Lind", "gustav.lind@candidates.example", "+46 8 555 0107", "Europe/Stockholm"),
    ("Hana Sato", "hana.sato@candidates.example", "+81 3 5555 0108", "Asia/Tokyo"),
]


#: Demo interviews fall inside everyone's working hours (the default, Monday–Friday 09–17).
WORK_START, WORK_END = 9, 17


def within_working_hours(starts_at: datetime, ends_at: datetime, zone: str) -> bool:
    """Whether a meeting is on a working day, 09:00–17:00, in the zone."""
    start, end = to_zone(starts_at, zone), to_zone(ends_at, zone)
    return (start.weekday() < 5 and start.date() == end.date() and start.hour >= WORK_START
            and (end.hour, end.minute) <= (WORK_END, 0))


def _hours_that_fit(day: datetime, minutes: int, zones: list[str]) -> list[datetime]:
    starts = [day + timedelta(hours=h) for h in range(24)]
    return [s for s in starts
            if all(within_working_hours(s, s + timedelta(minutes=minutes), z) for z in zones)]


def working_slot(today: datetime, working_days: int, minutes: int, zones: list[str],
                 preferred: int = 0) -> datetime | None:
    """A start about ``working_days`` working days from today (negative: before), on the hour,
    when every zone is inside its working hours (the ``preferred``-th such hour if there are
    several); ``None`` when the zones share no working hour within three weeks."""
    step = 1 if working_days >= 0 else -1
    day = today.replace(hour=0, minute=0, second=0, microsecond=0)
    left = abs(working_days)
    for _ in range(abs(working_days) * 2 + 21):
        day += timedelta(days=step)
        left -= day.weekday() < 5
        fits = _hours_that_fit(day, minutes, zones) if left <= 0 else []
        if fits:
            return fits[min(preferred, len(fits) - 1)]
    return None


def has_data() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) != 0


def seed() -> None:
    users = {}
    for email, name, title, zone, roles in USERS:
        users[email] = accounts.create_user(
            actor=None, email=email, name=name, job_title=title, time_zone=zone, roles=roles,
            password=DEMO_PASSWORD, bio=BIOS.get(email, ""),
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
    tech = users["tech@demo.example"]
    first, team, pay = job.planned_rounds
    today = utcnow()
    scores = [(4, 3, "strong_yes", 3, 3, "yes"), (3, 3, "yes", 2, 3, "yes"),
              (2, 2, "no", 2, 1, "strong_no"), (3, 4, "yes", 4, 4, "strong_yes")]
    for index, candidacy in enumerate(candidacies[:4]):
        held = scheduling.open_round(candidacy, first, actor=recruiter)
        zone = candidacy.candidate.time_zone
        # A colleague whose working day overlaps the candidate's and the manager's.
        second, starts_at = colleague, None
        for second in (colleague, tech):
            starts_at = working_slot(today, -(7 - index), 45,
                                     [zone, manager.time_zone, second.time_zone], index)
            if starts_at is not None:
                break
        if starts_at is None:
            raise RuntimeError(f"the demo panel shares no working hour with {zone}")
        change = scheduling.schedule_interview(
            held, actor=recruiter, starts_at=starts_at,
            duration_minutes=45, time_zone="Europe/Berlin", location="Berlin office, room 2",
            panel=[scheduling.Seat(manager.id, "hiring_manager"),
                   scheduling.Seat(second.id, "colleague")], record_past=True)
        motivation, communication = first.criteria
        m1, c1, r1, m2, c2, r2 = scores[index]
        assessments.save_assessment(change.interview, actor=manager,
                                    ratings={motivation.id: m1, communication.id: c1},
                                    recommendation=r1, notes="Clear examples.",
                                    notes_for_later="Probe the migration project more deeply.",
                                    submit=True)
        if index != 1:  # one assessment still missing, to show follow-up
            assessments.save_assessment(change.interview, actor=second,
                                        ratings={motivation.id: m2, communication.id: c2},
                                        recommendation=r2, submit=True)
    for index, candidacy in enumerate(candidacies[:2]):
        upcoming = scheduling.open_round(candidacy, team, actor=recruiter)
        zones = [candidacy.candidate.time_zone, peer.time_zone, supervisor.time_zone]
        starts_at = working_slot(today, 3 + index, 60, zones, preferred=1)
        if starts_at is None:
            raise RuntimeError(f"the demo team shares no working hour with {zones}")
        scheduling.schedule_interview(
            upcoming, actor=recruiter, starts_at=starts_at,
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
