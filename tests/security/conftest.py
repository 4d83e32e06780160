"""The security walker's world: two jobs with their hiring managers, a candidacy with an interview
whose panel has one interviewer, another interviewer on no panel, a recruiter, an admin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from coordinator.accounts import operations as accounts
from coordinator.accounts import sessions
from coordinator.accounts.models import User
from coordinator.assessments import operations as assessments
from coordinator.candidates import links
from coordinator.compensation import operations as compensation
from coordinator.db import db
from coordinator.invites import feeds
from coordinator.mail import outbox
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.scheduling import operations as scheduling
from coordinator.scheduling import selfschedule
from coordinator.timeutil import utcnow
from coordinator.webhooks import operations as webhooks
from coordinator.webhooks.models import DeliveryState
from tests.factories import sign_in
from tests.mail.conftest import make_message

#: Who the walker acts as. ``panel`` sits on the interview; ``interviewer`` on no panel;
#: ``other_manager`` is the hiring manager of the other job.
ACTORS = ("anonymous", "admin", "recruiter", "hiring_manager", "other_manager", "panel",
          "interviewer")


@dataclass
class World:
    users: dict[str, User]
    #: path parameter name → its value (ids are read once, so a rolled-back request cannot
    #: leave the walker holding expired objects)
    ids: dict[str, Any]
    #: actor → their API token secret
    secrets: dict[str, str]
    #: actor → their own API token's id (for the revoke page)
    token_ids: dict[str, int]
    #: another browser's session of each actor, which that actor may end
    session_ids: dict[str, int]


@pytest.fixture
def security_world(make_user: Callable[..., User], make_job: Callable[..., Any],
                   make_planned_round: Callable[..., Any], make_candidate: Callable[..., Any],
                   make_candidacy: Callable[..., Any]) -> World:
    users = {
        "admin": make_user(("admin",)),
        "recruiter": make_user(("recruiter",)),
        "hiring_manager": make_user(("hiring_manager",)),
        "other_manager": make_user(("hiring_manager",)),
        "panel": make_user(("interviewer",)),
        "interviewer": make_user(("interviewer",)),
    }
    recruiter = users["recruiter"]
    job = make_job(actor=recruiter, hiring_manager_id=users["hiring_manager"].id)
    other_job = make_job(actor=recruiter, hiring_manager_id=users["other_manager"].id)
    planned = make_planned_round(job, actor=recruiter)
    make_planned_round(other_job, actor=recruiter)
    candidate = make_candidate(actor=recruiter)
    candidacy = make_candidacy(job=job, candidate=candidate, actor=recruiter)
    make_candidacy(job=other_job, actor=recruiter)
    round_ = scheduling.open_round(candidacy, planned, actor=recruiter)
    # Held yesterday (recorded after the fact), so its panel member has submitted an assessment.
    interview = scheduling.schedule_interview(
        round_, actor=recruiter, starts_at=(utcnow() - timedelta(days=1)).replace(microsecond=0),
        duration_minutes=60, time_zone="UTC", panel=[scheduling.Seat(users["panel"].id, "peer")],
        record_past=True,
    ).interview
    assessment = assessments.save_assessment(
        interview, actor=users["panel"],
        ratings={c.id: 3 for c in assessments.scorecard(interview)}, recommendation="yes",
        submit=True,
    )
    compensation.open_stage(candidacy, actor=recruiter)
    now = utcnow().replace(microsecond=0)
    self_schedule = selfschedule.offer(round_, selfschedule.Offer(
        duration_minutes=60, interviewer_ids=[users["panel"].id], pool_ids=[], pool_size=0,
        starts_after=now + timedelta(days=1), ends_before=now + timedelta(days=8),
        expires_at=now + timedelta(days=1)), actor=recruiter)
    message = outbox.enqueue(make_message(), kind="test")
    assert message is not None
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == message.id)
                       .values(state=OutboxState.failed, attempts=8, last_error="550"))
    webhook = webhooks.create_endpoint(actor=users["admin"], url="https://hooks.example.com/in",
                                       events=["interview.cancelled"], secret="s" * 20)
    delivery = webhooks.emit("interview.cancelled", {"interview_id": interview.id})[0]
    delivery.state, delivery.attempts, delivery.last_error = DeliveryState.failed, 8, "HTTP 500"
    _feed, feed_secret = feeds.create_feed(users["panel"], actor=users["panel"])
    tokens = {actor: accounts.create_token(user, actor=user, name="walker")
              for actor, user in users.items()}
    for user in users.values():
        sessions.start_session(user, lifetime=timedelta(hours=1), remember=False)
    db.session.commit()
    session_ids = {actor: max(s.id for s in sessions.live_sessions(user))
                   for actor, user in users.items()}
    return World(
        users=users,
        ids={
            "job_id": job.id, "planned_round_id": planned.id, "candidate_id": candidate.id,
            "candidacy_id": candidacy.id, "round_id": round_.id, "interview_id": interview.id,
            "assessment_id": assessment.id, "message_id": message.id,
            "webhook_id": webhook.id, "delivery_id": delivery.id,
            # Routes about one person name the panel member: themself for "panel".
            "user_id": users["panel"].id,
            "portal_token": links.issue(candidacy).token, "feed_token": feed_secret,
            "self_schedule_id": self_schedule.id,
            "self_schedule_token": selfschedule.token_for(self_schedule),
        },
        secrets={actor: secret for actor, (_token, secret) in tokens.items()},
        token_ids={actor: token.id for actor, (token, _secret) in tokens.items()},
        session_ids=session_ids,
    )


@pytest.fixture
def signed_in(app: Any, security_world: World) -> Callable[[str], FlaskClient]:
    """A page client per actor, signed in once (anonymous: never)."""
    clients: dict[str, FlaskClient] = {}

    def client_for(actor: str) -> FlaskClient:
        if actor not in clients:
            client = app.test_client()
            if actor != "anonymous":
                sign_in(client, security_world.users[actor])
            clients[actor] = client
        return clients[actor]

    return client_for


from tests.api.conftest import openapi_document  # noqa: E402, F401
