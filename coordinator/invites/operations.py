"""Send invites when interviews are booked, moved, re-panelled or cancelled.

Every recipient gets their own message (iMIP), written to the outbox in the same transaction as
the change. The candidate's event and the panel's event are separate (different UIDs): the
candidate's copy lists only the candidate as attendee, so interviewers' addresses stay private.
An interview recorded after the fact sends nothing.

Each event's UID and ORGANIZER are stored (``InviteEvent``) when its first message is written and
reused by every later message, the candidate's download and the feed, whatever the base URL or
sender is by then. Invites are sent From: the stored ORGANIZER, so the two always match.
Candidate mail names the company (``COMPANY_NAME``, else the sender's domain) and the recruiter
who owns the candidacy (else the one who booked the interview), with Reply-To to them; updates
list what changed, old → new.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app, render_template
from markupsafe import Markup

from coordinator.accounts.models import User
from coordinator.candidates import links
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.invites import ical
from coordinator.invites.models import Audience, Invite, InviteEvent, InviteMethod
from coordinator.jobs.models import RoundKind
from coordinator.mail import messages, outbox
from coordinator.message_templates.operations import render_mail
from coordinator.scheduling.meetings import met_before_map
from coordinator.scheduling.models import Interview, InterviewState, Round
from coordinator.timeutil import format_local
from coordinator.urls import external_url, mail_domain

if TYPE_CHECKING:
    from coordinator.scheduling.operations import InterviewChange, InterviewSnapshot

#: A candidate's page link in an invite or reminder works at least this long after the
#: candidacy's last scheduled interview.
PORTAL_GRACE = timedelta(days=7)


def organizer() -> ical.Person:
    """The organizer a new event gets: today's configured sender."""
    config = current_app.config
    return ical.Person(config["MAIL_FROM"], config.get("MAIL_FROM_NAME", "Recruiting"))


def company_name() -> str:
    """Who the candidate deals with: ``COMPANY_NAME``, else the sending mailbox's domain."""
    config = current_app.config
    return config.get("COMPANY_NAME") or config["MAIL_FROM"].rpartition("@")[2]


def _new_uid(interview_id: int, audience: Audience) -> str:
    return f"interview-{interview_id}-{audience.value}@{mail_domain()}"


def stored_identities(interview_ids: Iterable[int],
                      audience: Audience) -> dict[int, InviteEvent]:
    """The stored identities of these interviews' events for one audience, in one query."""
    ids = list(interview_ids)
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(InviteEvent).where(
        InviteEvent.interview_id.in_(ids), InviteEvent.audience == audience))
    return {row.interview_id: row for row in rows}


def identity(interview: Interview, audience: Audience) -> tuple[str, ical.Person]:
    """The event's UID and ORGANIZER: stored ones once a message went out; before that, the
    ones its first message will get (nothing is written)."""
    stored = stored_identities([interview.id], audience).get(interview.id)
    return identity_from(stored, interview.id, audience)


def identity_from(stored: InviteEvent | None, interview_id: int,
                  audience: Audience) -> tuple[str, ical.Person]:
    """UID and ORGANIZER from a stored identity, or the ones a first message would get."""
    if stored is None:
        return _new_uid(interview_id, audience), organizer()
    return stored.uid, ical.Person(stored.organizer_email, stored.organizer_name)


def uid(interview: Interview, audience: Audience) -> str:
    """The event's UID (see :func:`identity`)."""
    return identity(interview, audience)[0]


#: Built once: a statement object keeps its cache key.
_INSERT_IDENTITIES = sa.insert(InviteEvent.__table__)
_INSERT_INVITES = sa.insert(Invite.__table__)


def _fix_identities(interview: Interview, *,
                    booked: bool = False) -> dict[Audience, tuple[str, ical.Person]]:
    """Both events' identities (candidate's and panel's) for one ``notify``, in one query (none
    for an interview ``booked`` in this transaction: nothing can be stored for it yet).

    Ones not stored yet are inserted at once, in one Core statement (no flush writes them).
    """
    stored: dict[Audience, tuple[str, ical.Person]] = {} if booked else {
        row.audience: identity_from(row, interview.id, row.audience)
        for row in db.session.scalars(
            sa.select(InviteEvent).where(InviteEvent.interview_id == interview.id))}
    missing = [audience for audience in Audience if audience not in stored]
    if missing:
        person = organizer()
        rows = [{"interview_id": interview.id, "audience": audience,
                 "uid": _new_uid(interview.id, audience), "organizer_email": person.email,
                 "organizer_name": person.name[:200]}
                for audience in missing]
        db.session.execute(_INSERT_IDENTITIES, rows)
        for row in rows:
            stored[row["audience"]] = (row["uid"], ical.Person(person.email,
                                                               row["organizer_name"]))
    return stored


def recruiter_of(interview: Interview) -> User | None:
    """The recruiter candidates hear from about an interview: the one who owns the candidacy,
    else (no owner, or no longer active) the one who booked the interview."""
    owner = interview.round.candidacy.recruiter
    if owner is not None and owner.is_active:
        return owner
    if interview.scheduled_by_id is None:
        return None
    booker = db.session.get(User, interview.scheduled_by_id)
    return booker if booker is not None and booker.is_active else None


def candidate_reply_to(interview: Interview) -> messages.Address | None:
    """Where a candidate's reply goes: the recruiter of :func:`recruiter_of`."""
    recruiter = recruiter_of(interview)
    return messages.address(recruiter.email, recruiter.name) if recruiter else None


def portal_url(candidacy: Candidacy) -> str:
    """A link to the candidate's page that works until at least a week after the candidacy's
    last scheduled interview."""
    last_end = db.session.scalar(
        sa.select(sa.func.max(Interview.ends_at))
        .join(Round, Round.id == Interview.round_id)
        .where(Round.candidacy_id == candidacy.id, Interview.state == InterviewState.scheduled))
    return portal_url_after(candidacy, last_end)


def portal_url_after(candidacy: Candidacy, last_end: datetime | None) -> str:
    """:func:`portal_url` when the caller knows the end of the candidacy's last scheduled
    interview (``last_end``, None without one)."""
    until = last_end + PORTAL_GRACE if last_end is not None else None
    return external_url("portal.show_portal", token=links.issue(candidacy, until=until).token)


def place(interview: Interview) -> str:
    """Where, for people: the room and the video link."""
    return ", ".join(p for p in (interview.location, interview.video_url) if p)


def discusses_compensation(interview: Interview) -> bool:
    """A compensation round, or any interview while a compensation stage is open (pay may be
    discussed inside another round's interview)."""
    if interview.round.kind is RoundKind.compensation_discussion:
        return True
    from coordinator.compensation.models import StageState
    from coordinator.compensation.operations import stage_state_of

    # The stage first: most candidacies have none open, and then the plan need not be read.
    if stage_state_of(interview.round.candidacy) is not StageState.open:
        return False
    plan = interview.round.candidacy.job.planned_rounds
    # The plan's own compensation round carries the notice.
    return not any(p.kind is RoundKind.compensation_discussion for p in plan)


def candidate_context(interview: Interview, portal: str | None = None,
                      met_before: dict[int, set[int]] | None = None) -> dict[str, object]:
    """What candidate mail and the candidate's calendar event say about an interview
    (``met_before``: the candidacy's met-before map, when the caller has read it already)."""
    candidacy = interview.round.candidacy
    if met_before is None:
        met_before = met_before_map(candidacy.id)
    met = met_before.get(interview.id, set())
    zone = candidacy.candidate.time_zone
    return {
        "interview": interview, "candidacy": candidacy, "candidate": candidacy.candidate,
        "job": candidacy.job, "round": interview.round,
        "panel": [(m.user, m.relationship, m.user_id in met) for m in interview.panel],
        "when": format_local(interview.starts_at, zone),
        "until": format_local(interview.ends_at, zone, False),
        "zone": zone,
        "portal_url": portal or portal_url(candidacy),
        "compensation": discusses_compensation(interview),
        "place": place(interview),
        "company": company_name(),
        "recruiter": recruiter_of(interview),
    }


def _panel_context(interview: Interview, zone: str) -> dict[str, object]:
    """What a panel member's invite says, but for their name: the same for everyone reading in
    ``zone``."""
    candidacy = interview.round.candidacy
    return {
        "interview": interview, "candidacy": candidacy, "candidate": candidacy.candidate,
        "job": candidacy.job, "round": interview.round,
        "panel": [(m.user, m.relationship) for m in interview.panel],
        "when": format_local(interview.starts_at, zone),
        "until": format_local(interview.ends_at, zone, False),
        "zone": zone,
        "interview_url": external_url("scheduling.show_interview", interview_id=interview.id),
        "place": place(interview),
    }


def candidate_summary(interview: Interview) -> str:
    """The candidate's event title (and mail subject)."""
    return f"Interview: {interview.round.candidacy.job.title} — {interview.display_title}"


def candidate_event(interview: Interview, identity_: tuple[str, ical.Person],
                    context: dict[str, object]) -> ical.EventData:
    """The candidate's event: the same in the invite and the page's download."""
    event_uid, event_organizer = identity_
    description = render_template("email/interview_candidate.ics.txt", **context).strip()
    return ical.EventData(
        uid=event_uid, sequence=interview.sequence, starts_at=interview.starts_at,
        ends_at=interview.ends_at, summary=candidate_summary(interview),
        description=description, location=interview.location, organizer=event_organizer,
        url=str(context["portal_url"]), video_url=interview.video_url)


def panel_summary(interview: Interview) -> str:
    """The panel's event title (and mail subject)."""
    return (f"Interview with {interview.round.candidacy.candidate.name} — "
            f"{interview.display_title}")


def panel_event(interview: Interview, identity_: tuple[str, ical.Person]) -> ical.EventData:
    """The panel's event: the same in the invites and (under its own UID) the feed."""
    event_uid, event_organizer = identity_
    candidacy = interview.round.candidacy
    url = external_url("scheduling.show_interview", interview_id=interview.id)
    description = (f"{candidacy.job.title}, {interview.display_title}. "
                   f"Candidate: {candidacy.candidate.name}. Brief and assessment: {url}")
    return ical.EventData(
        uid=event_uid, sequence=interview.sequence, starts_at=interview.starts_at,
        ends_at=interview.ends_at, summary=panel_summary(interview), description=description,
        location=interview.location, organizer=event_organizer, url=url,
        video_url=interview.video_url)


def what_changed(previous: InterviewSnapshot | None, interview: Interview,
                 zone: str) -> list[str]:
    """An update's changes, old → new, with times in the reader's zone."""
    if previous is None:
        return []
    lines = []
    if (previous.starts_at, previous.ends_at) != (interview.starts_at, interview.ends_at):
        lines.append(
            f"Time: {format_local(previous.starts_at, zone)} → "
            f"{format_local(interview.starts_at, zone)}"
            f" (until {format_local(interview.ends_at, zone, False)})")
    before_place = ", ".join(p for p in (previous.location, previous.video_url) if p)
    if before_place != place(interview):
        lines.append(f"Place: {before_place or 'to be confirmed'} → "
                     f"{place(interview) or 'to be confirmed'}")
    before_panel = [u.name for u in previous.panel]
    after_panel = [m.user.name for m in interview.panel]
    if before_panel != after_panel:
        lines.append(f"Panel: {', '.join(before_panel) or 'nobody'} → "
                     f"{', '.join(after_panel) or 'nobody'}")
    return lines


class _Batch:
    """What one ``notify`` writes: calendars built once (the panel members' copies are the same
    bytes) and outbox rows inserted together, then their Invite rows (one Core statement each,
    no flush)."""

    def __init__(self) -> None:
        self.calendars: dict[tuple[InviteMethod, bool, ical.EventData,
                                   tuple[ical.Person, ...]], bytes] = {}
        #: panel mail bodies (text, HTML) by what they depend on: method, removed, zone
        self.panel_bodies: dict[tuple[InviteMethod, bool, str], tuple[str, Markup]] = {}
        #: (message, outbox kind, the Invite row's values but its outbox message)
        self.written: list[tuple[messages.Composed, str, dict[str, object]]] = []

    def calendar(self, method: InviteMethod, event: ical.EventData,
                 attendees: Sequence[ical.Person], whole_event: bool) -> bytes:
        key = (method, whole_event, event, tuple(attendees))
        data = self.calendars.get(key)
        if data is None:
            if method is InviteMethod.request:
                data = ical.request(event, attendees)
            else:
                data = ical.cancel(event, attendees, whole_event=whole_event)
            self.calendars[key] = data
        return data

    def finish(self) -> None:
        if not self.written:
            return
        ids = outbox.insert_now([(message, kind) for message, kind, _ in self.written])
        db.session.execute(_INSERT_INVITES, [
            {**invite, "outbox_message_id": message_id}
            for (_, _, invite), message_id in zip(self.written, ids, strict=True)])


def _send(*, interview: Interview, audience: Audience, method: InviteMethod, to: ical.Person,
          user: User | None, attendees: Sequence[ical.Person], event: ical.EventData,
          subject: str, text: str, html: str, built: _Batch, whole_event: bool = True,
          reply_to: messages.Address | None = None) -> None:
    data = built.calendar(method, event, attendees, whole_event)
    # The sender is the event's ORGANIZER (stored with the event), as iMIP clients expect.
    message = messages.compose(
        sender=messages.address(event.organizer.email, event.organizer.name),
        recipient=messages.address(to.email, to.name), subject=subject, text=text, html=html,
        calendar=messages.Calendar(data, "invite.ics" if method is InviteMethod.request
                                   else "cancel.ics"),
        domain=mail_domain(), reply_to=reply_to,
    )
    built.written.append((message, f"invite.{audience.value}.{method.value.lower()}", {
        "interview_id": interview.id, "audience": audience, "recipient": to.email,
        "user_id": user.id if user else None, "uid": event.uid, "sequence": event.sequence,
        "method": method}))


def _verb(method: InviteMethod, updated: bool) -> str:
    if method is InviteMethod.cancel:
        return "Cancelled: "
    return "Updated: " if updated else ""


def _to_candidate(change: InterviewChange, method: InviteMethod, updated: bool,
                  built: _Batch, identity_: tuple[str, ical.Person]) -> None:
    interview = change.interview
    candidate = interview.round.candidacy.candidate
    met_before = change.met_before_map()
    portal = portal_url_after(interview.round.candidacy, change.last_end())
    context = candidate_context(interview, portal, met_before) | {
        "updated": updated,
        "changes": what_changed(change.previous, interview, candidate.time_zone),
        "cancelled": method is InviteMethod.cancel,
    }
    person = ical.Person(candidate.email, candidate.name)
    event = candidate_event(interview, identity_, context)
    # The recruiters' wording for this mail when they saved one, else the built-in templates.
    parts = render_mail("interview_candidate", context,
                        subject=f"{_verb(method, updated)}{event.summary}")
    _send(interview=interview, audience=Audience.candidate, method=method, to=person, user=None,
          attendees=[person], subject=parts.subject, event=event, text=parts.text,
          html=parts.html, built=built, reply_to=candidate_reply_to(interview))


def _panel_body(change: InterviewChange, method: InviteMethod, updated: bool, zone: str,
                built: _Batch, *, removed: bool) -> tuple[str, Markup]:
    """A panel invite's text and HTML after the greeting: rendered once for every member who
    reads it alike (same method, removed or not, same zone)."""
    key = (method, removed, zone)
    body = built.panel_bodies.get(key)
    if body is None:
        interview = change.interview
        context = _panel_context(interview, zone) | {
            "updated": updated, "removed": removed, "cancelled": method is InviteMethod.cancel,
            "changes": [] if removed else what_changed(change.previous, interview, zone),
        }
        body = (render_template("email/_interview_panel_body.txt", **context),
                Markup(render_template("email/_interview_panel_body.html", **context)))
        built.panel_bodies[key] = body
    return body


def _to_panel_member(change: InterviewChange, user: User, method: InviteMethod,
                     attendees: Sequence[User], updated: bool, built: _Batch,
                     event: ical.EventData, *, removed: bool = False) -> None:
    interview = change.interview
    text, html = _panel_body(change, method, updated, user.time_zone, built, removed=removed)
    context = {"recipient": user, "candidate": interview.round.candidacy.candidate,
               "body": text}
    _send(interview=interview, audience=Audience.panel, method=method,
          to=ical.Person(user.email, user.name), user=user,
          attendees=[ical.Person(u.email, u.name) for u in attendees],
          subject=f"{_verb(method, updated)}{event.summary}", event=event,
          text=render_template("email/interview_panel.txt", **context),
          html=render_template("email/interview_panel.html", **context | {"body": html}),
          built=built, whole_event=not removed)


def notify(change: InterviewChange, *, removed_users: Sequence[User] = (),
           updated: bool = False) -> None:
    """Write the invites a booking, a change or a cancellation calls for."""
    interview = change.interview
    if interview.is_recorded_past:
        return
    panel = [m.user for m in interview.panel]
    built = _Batch()
    method = InviteMethod.cancel if change.cancelled else InviteMethod.request
    identities = _fix_identities(interview, booked=change.booked)
    _to_candidate(change, method, updated, built, identities[Audience.candidate])
    event = panel_event(interview, identities[Audience.panel])
    for user in panel:
        _to_panel_member(change, user, method, panel, updated, built, event)
    if not change.cancelled:
        for user in removed_users:
            # iTIP: the removed attendee gets a CANCEL that lists only them, without STATUS.
            _to_panel_member(change, user, InviteMethod.cancel, [user], updated, built, event,
                             removed=True)
    built.finish()


def invites_of(interview: Interview) -> list[Invite]:
    """Every invite message written about an interview, oldest first."""
    return list(db.session.scalars(
        db.select(Invite).where(Invite.interview_id == interview.id).order_by(Invite.id)))
