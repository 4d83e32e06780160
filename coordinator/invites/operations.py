"""Send invites when interviews are booked, moved, re-panelled or cancelled.

Every recipient gets their own message (iMIP), written to the outbox in the same transaction as
the change. The candidate's event and the panel's event are separate (different UIDs): the
candidate's copy lists only the candidate as attendee, so interviewers' addresses stay private.
An interview recorded after the fact sends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from flask import current_app, render_template

from coordinator.accounts.models import User
from coordinator.candidates import links
from coordinator.db import db
from coordinator.invites import ical
from coordinator.invites.models import Audience, Invite, InviteMethod
from coordinator.jobs.models import RoundKind
from coordinator.mail import messages, outbox
from coordinator.mail.models import OutboxMessage
from coordinator.scheduling.meetings import met_before_map
from coordinator.scheduling.models import Interview
from coordinator.timeutil import format_local
from coordinator.urls import external_url, mail_domain

if TYPE_CHECKING:
    from coordinator.scheduling.operations import InterviewChange


def uid(interview: Interview, audience: Audience) -> str:
    return f"interview-{interview.id}-{audience.value}@{mail_domain()}"


def organizer() -> ical.Person:
    config = current_app.config
    return ical.Person(config["MAIL_FROM"], config.get("MAIL_FROM_NAME", "Recruiting"))


def _sender() -> messages.Address:
    person = organizer()
    return messages.address(person.email, person.name)


def _place(interview: Interview) -> str:
    return ", ".join(p for p in (interview.location, interview.video_url) if p)


def discusses_compensation(interview: Interview) -> bool:
    """A compensation round, or any interview while a compensation stage is open (pay may be
    discussed inside another round's interview)."""
    if interview.round.kind is RoundKind.compensation_discussion:
        return True
    plan = interview.round.candidacy.job.planned_rounds
    if any(p.kind is RoundKind.compensation_discussion for p in plan):
        return False  # the plan's own compensation round carries the notice
    from coordinator.compensation.models import StageState
    from coordinator.compensation.operations import stage_of

    stage = stage_of(interview.round.candidacy)
    return stage is not None and stage.state is StageState.open


def _candidate_context(interview: Interview) -> dict[str, object]:
    candidacy = interview.round.candidacy
    met = met_before_map(candidacy.id).get(interview.id, set())
    portal = links.issue(candidacy)
    return {
        "interview": interview, "candidacy": candidacy, "candidate": candidacy.candidate,
        "job": candidacy.job, "round": interview.round,
        "panel": [(m.user, m.relationship, m.user_id in met) for m in interview.panel],
        "when": format_local(interview.starts_at, candidacy.candidate.time_zone),
        "until": format_local(interview.ends_at, candidacy.candidate.time_zone, False),
        "zone": candidacy.candidate.time_zone,
        "portal_url": external_url("portal.show_portal", token=portal.token),
        "compensation": discusses_compensation(interview),
        "place": _place(interview),
    }


def _panel_context(interview: Interview, user: User) -> dict[str, object]:
    candidacy = interview.round.candidacy
    return {
        "interview": interview, "candidacy": candidacy, "candidate": candidacy.candidate,
        "job": candidacy.job, "round": interview.round, "recipient": user,
        "panel": [(m.user, m.relationship) for m in interview.panel],
        "when": format_local(interview.starts_at, user.time_zone),
        "until": format_local(interview.ends_at, user.time_zone, False),
        "zone": user.time_zone,
        "interview_url": external_url("scheduling.show_interview", interview_id=interview.id),
        "place": _place(interview),
    }


def _candidate_description(context: dict[str, object]) -> str:
    return render_template("email/interview_candidate.ics.txt", **context).strip()


def _event(interview: Interview, audience: Audience, summary: str, description: str,
           url: str = "") -> ical.EventData:
    return ical.EventData(uid=uid(interview, audience), sequence=interview.sequence,
                          starts_at=interview.starts_at, ends_at=interview.ends_at,
                          summary=summary, description=description, location=_place(interview),
                          url=url)


class _Batch:
    """What one ``notify`` writes: calendars built once (the panel members' copies are the same
    bytes) and outbox rows inserted together, then their Invite rows."""

    def __init__(self) -> None:
        self.calendars: dict[tuple[InviteMethod, ical.EventData, tuple[ical.Person, ...]],
                             bytes] = {}
        self.written: list[tuple[OutboxMessage | None, Invite]] = []

    def calendar(self, method: InviteMethod, event: ical.EventData,
                 attendees: Sequence[ical.Person]) -> bytes:
        key = (method, event, tuple(attendees))
        data = self.calendars.get(key)
        if data is None:
            build = ical.request if method is InviteMethod.request else ical.cancel
            data = self.calendars[key] = build(event, organizer(), attendees)
        return data

    def finish(self) -> None:
        db.session.flush()  # the outbox rows, in one statement: now they have ids
        for row, invite in self.written:
            invite.outbox_message_id = row.id if row is not None else None
            db.session.add(invite)
        db.session.flush()


def _send(*, interview: Interview, audience: Audience, method: InviteMethod, to: ical.Person,
          user: User | None, attendees: Sequence[ical.Person], event: ical.EventData,
          subject: str, template: str, context: dict[str, object], built: _Batch) -> None:
    data = built.calendar(method, event, attendees)
    context = {**context, "cancelled": method is InviteMethod.cancel}
    message = messages.compose(
        sender=_sender(), recipient=messages.address(to.email, to.name), subject=subject,
        text=render_template(f"email/{template}.txt", **context),
        html=render_template(f"email/{template}.html", **context),
        calendar=messages.Calendar(data, "invite.ics" if method is InviteMethod.request
                                   else "cancel.ics"),
        domain=mail_domain(),
    )
    row = outbox.enqueue(message, kind=f"invite.{audience.value}.{method.value.lower()}",
                         flush=False)
    built.written.append((row, Invite(interview_id=interview.id, audience=audience,
                                      recipient=to.email, user_id=user.id if user else None,
                                      uid=event.uid, sequence=event.sequence, method=method)))


def _to_candidate(interview: Interview, method: InviteMethod, change_note: str,
                  built: _Batch) -> None:
    candidate = interview.round.candidacy.candidate
    context = _candidate_context(interview) | {"change_note": change_note}
    person = ical.Person(candidate.email, candidate.name)
    job = interview.round.candidacy.job
    verb = "Cancelled: " if method is InviteMethod.cancel else ("Updated: " if change_note else "")
    summary = f"Interview: {job.title} — {interview.round.title}"
    _send(interview=interview, audience=Audience.candidate, method=method, to=person, user=None,
          attendees=[person], subject=f"{verb}{summary}",
          event=_event(interview, Audience.candidate, summary, _candidate_description(context),
                       str(context["portal_url"])),
          template="interview_candidate", context=context, built=built)


def _to_panel_member(interview: Interview, user: User, method: InviteMethod,
                     attendees: Sequence[User], change_note: str, built: _Batch) -> None:
    candidate = interview.round.candidacy.candidate
    context = _panel_context(interview, user) | {"change_note": change_note}
    verb = "Cancelled: " if method is InviteMethod.cancel else ("Updated: " if change_note else "")
    summary = f"Interview with {candidate.name} — {interview.round.title}"
    description = (f"{interview.round.candidacy.job.title}, {interview.round.title}. "
                   f"Candidate: {candidate.name}. Brief and assessment: "
                   f"{context['interview_url']}")
    _send(interview=interview, audience=Audience.panel, method=method,
          to=ical.Person(user.email, user.name), user=user,
          attendees=[ical.Person(u.email, u.name) for u in attendees], subject=f"{verb}{summary}",
          event=_event(interview, Audience.panel, summary, description,
                       str(context["interview_url"])),
          template="interview_panel", context=context, built=built)


def notify(change: InterviewChange, *, removed_users: Sequence[User] = (),
           updated: bool = False) -> None:
    """Write the invites a booking, a change or a cancellation calls for."""
    interview = change.interview
    if interview.is_recorded_past:
        return
    change_note = "updated" if updated else ""
    panel = [m.user for m in interview.panel]
    built = _Batch()
    if change.cancelled:
        _to_candidate(interview, InviteMethod.cancel, change_note, built)
        for user in panel:
            _to_panel_member(interview, user, InviteMethod.cancel, panel, change_note, built)
    else:
        _to_candidate(interview, InviteMethod.request, change_note, built)
        for user in panel:
            _to_panel_member(interview, user, InviteMethod.request, panel, change_note, built)
        for user in removed_users:
            # iTIP: the removed attendee gets a CANCEL that lists only them.
            _to_panel_member(interview, user, InviteMethod.cancel, [user],
                             "You are no longer on this interview's panel.", built)
    built.finish()


def invites_of(interview: Interview) -> list[Invite]:
    return list(db.session.scalars(
        db.select(Invite).where(Invite.interview_id == interview.id).order_by(Invite.id)))
