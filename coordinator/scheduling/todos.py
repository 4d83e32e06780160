"""The scheduling to-dos: an interviewer's interviews in the coming week, each with its brief."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.candidates.models import CLOSED_STATES, Candidacy
from coordinator.db import db
from coordinator.scheduling.models import (
    CalendarSource,
    Interview,
    InterviewState,
    PanelMember,
    Round,
)
from coordinator.scheduling.permissions import can_schedule
from coordinator.scheduling.selfschedule import SelfScheduleRequest, SelfScheduleState
from coordinator.todos import SHOWN, Kind, ToDo, provider

UPCOMING = Kind("upcoming-interviews", "Your interviews this week", 10)
#: How far ahead the dashboard lists one's interviews.
AHEAD = timedelta(days=7)


def shown_with_interview() -> list[sa.orm.interfaces.LoaderOption]:
    """What :func:`interview_todo` shows of an interview, loaded in its own statement."""
    candidacy = sa.orm.joinedload(Interview.round).joinedload(Round.candidacy)
    return [candidacy.joinedload(Candidacy.candidate), candidacy.joinedload(Candidacy.job),
            sa.orm.joinedload(Interview.round).joinedload(Round.planned_round)]


def seats(viewer: User) -> sa.Select[tuple[Interview]]:
    """Live interviews of open candidacies on whose panel the viewer sits (add conditions)."""
    return (
        sa.select(Interview)
        .options(*shown_with_interview())
        .join(PanelMember, PanelMember.interview_id == Interview.id)
        .join(Round, Round.id == Interview.round_id)
        .join(Candidacy, Candidacy.id == Round.candidacy_id)
        .where(
            PanelMember.user_id == viewer.id,
            PanelMember.is_active,
            Interview.state == InterviewState.scheduled,
            Candidacy.state.not_in(CLOSED_STATES),
        )
        .order_by(Interview.starts_at, Interview.id)
        .limit(SHOWN)
    )


def interview_todo(kind: Kind, interview: Interview, anchor: str, badge: str = "") -> ToDo:
    """A to-do about one interview: candidate and round, linking to a part of its page."""
    return ToDo(
        kind,
        f"{interview.round.candidacy.candidate.name} · {interview.round.title}",
        "scheduling.show_interview",
        {"interview_id": interview.id, "_anchor": anchor},
        detail=interview.round.candidacy.job.title,
        due=interview.starts_at,
        badge=badge,
    )


def upcoming(viewer: User, now: datetime) -> list[ToDo]:
    """Interviews on whose panel the viewer sits, starting within :data:`AHEAD`, soonest first;
    each links to the interview page's brief (what earlier rounds covered)."""
    interviews = db.session.scalars(
        seats(viewer).where(Interview.ends_at > now, Interview.starts_at <= now + AHEAD)
    ).unique()
    return [
        interview_todo(UPCOMING, interview, "brief", "Now" if interview.starts_at <= now else "")
        for interview in interviews
    ]


# --- for recruiters: offers nobody took up, calendars that stopped syncing ----------------------

EXPIRED_OFFERS = Kind("self-scheduling-expired", "Self-scheduling offers that expired unanswered",
                      55, tone="danger")
STALE_CALENDARS = Kind("calendars-not-syncing", "Calendars that stopped syncing", 65)
#: A calendar not synced for this long is shown as stopped, even without an error.
STALE_AFTER = timedelta(days=1)


def expired_offers(viewer: User, now: datetime) -> list[ToDo]:
    """Self-scheduling offers past their deadline without a booking, on open candidacies, that
    the viewer made or whose candidacy they own (recruiters and admins)."""
    if not can_schedule(viewer):
        return []
    offers = sa.orm.aliased(SelfScheduleRequest, name="offers")
    later = sa.orm.aliased(SelfScheduleRequest, name="later")
    newer = sa.select(later.id).where(later.round_id == offers.round_id, later.id > offers.id)
    rows = db.session.execute(
        sa.select(offers, Round, Candidacy)
        .join(Round, Round.id == offers.round_id)
        .join(Candidacy, Candidacy.id == Round.candidacy_id)
        .options(sa.orm.joinedload(Candidacy.candidate), sa.orm.joinedload(Candidacy.job))
        .where(
            sa.or_(
                offers.state == SelfScheduleState.expired,
                sa.and_(offers.state == SelfScheduleState.open, offers.expires_at <= now),
            ),
            Candidacy.state.not_in(CLOSED_STATES),
            sa.or_(offers.offered_by_id == viewer.id, Candidacy.recruiter_id == viewer.id),
            ~sa.exists(newer),
        )
        .order_by(offers.expires_at, offers.id)
        .limit(SHOWN)
    ).unique().all()
    return [
        ToDo(EXPIRED_OFFERS, candidacy.candidate.name, "scheduling.show_round",
             {"candidacy_id": candidacy.id, "round_id": round_.id},
             detail=f"{candidacy.job.title}: the candidate did not pick a time",
             since=offer.expires_at, badge="Expired", is_late=True)
        for offer, round_, candidacy in rows
    ]


def stale_calendars(viewer: User, now: datetime) -> list[ToDo]:
    """Connected calendars whose last sync failed or that have not synced for a day: the slot
    finder is working on old busy time for those people (recruiters and admins)."""
    if not can_schedule(viewer):
        return []
    sources = db.session.scalars(
        sa.select(CalendarSource)
        .join(User, User.id == CalendarSource.user_id)
        .options(sa.orm.contains_eager(CalendarSource.user))
        .where(
            User.is_active,
            sa.or_(
                CalendarSource.last_error.is_not(None),
                CalendarSource.last_synced_at.is_(None)
                & (CalendarSource.created_at <= now - STALE_AFTER),
                CalendarSource.last_synced_at <= now - STALE_AFTER,
            ),
        )
        .order_by(CalendarSource.last_synced_at, CalendarSource.id)
        .limit(SHOWN)
    ).all()
    return [
        ToDo(STALE_CALENDARS, source.user.name, "scheduling.import_busy",
             {"user_id": source.user_id},
             detail=source.last_error or "no sync for more than a day",
             since=source.last_synced_at, badge="Not syncing")
        for source in sources
    ]


def register() -> None:
    provider(UPCOMING)(upcoming)
    provider(EXPIRED_OFFERS)(expired_offers)
    provider(STALE_CALENDARS)(stale_calendars)
