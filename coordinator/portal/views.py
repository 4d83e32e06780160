"""Candidate portal: the candidacy's rounds, whom they will meet, .ics downloads, availability.

Every page under ``/p/<token>`` is public: the signed link is the credential. An altered link is
404 and says nothing; an expired one, or one whose candidacy closed, is 410. Objects in the path
(an interview) are loaded through the link's candidacy, so another candidacy's ids are 404.

The recruiter's side — handing out a link from the candidacy page — lives here too, as
``portal.issue_link`` (signed-in recruiters and admins only).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from coordinator.access import public, require, requires
from coordinator.candidates import links
from coordinator.candidates.models import Candidacy
from coordinator.candidates.operations import get_candidacy
from coordinator.db import db
from coordinator.errors import Conflict, Gone, NotFound, RuleViolation
from coordinator.invites import ical, responses
from coordinator.invites import operations as invites
from coordinator.invites.forms import ResponseForm
from coordinator.invites.models import Audience
from coordinator.portal import operations, overview
from coordinator.portal.forms import AvailabilityForm, PickForm, ZoneForm
from coordinator.portal.permissions import can_issue_portal_link, can_issue_portal_links
from coordinator.scheduling import selfschedule
from coordinator.scheduling.models import Interview, Round
from coordinator.timeutil import is_valid_zone, to_zone, utcnow
from coordinator.urls import external_url

bp = Blueprint("portal", __name__)


@bp.after_request
def _private(response: Response) -> Response:
    """Candidate pages are personal: no caches, no search engines, no referrer with the token."""
    if request.endpoint and request.endpoint != "portal.issue_link":
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _own_zone(candidacy: Candidacy) -> str:
    zone = candidacy.candidate.time_zone
    return zone if is_valid_zone(zone) else "UTC"


def _zone(candidacy: Candidacy, form: ZoneForm) -> tuple[str, int]:
    """The zone to show times in and the page's status: ``?tz=`` when known, else the candidate's.

    An unknown zone keeps the page usable in the candidate's own zone, with the message on the
    zone field and status 422.
    """
    own = _own_zone(candidacy)
    asked = (request.args.get("tz") or "").strip()
    if not asked:
        form.tz.data = own
        return own, 200
    if form.validate():
        return asked, 200
    form.tz.data = asked
    return own, 422


def _page(
    token: str,
    candidacy: Candidacy,
    zone: str,
    zone_form: ZoneForm,
    availability_form: AvailabilityForm,
    status: int,
    response_form: ResponseForm | None = None,
    answered_id: int | None = None,
) -> Any:
    availability_form.time_zone.data = zone
    page = overview.build(candidacy, utcnow())
    if response_form is None and page.upcoming:
        # Each upcoming interview's answer form takes its CSRF field from here; without one
        # the page has no answer form, and building the form would be wasted.
        response_form = ResponseForm(formdata=None)
    return render_template(
        "portal/show.html",
        page=page,
        zone=zone,
        zone_form=zone_form,
        availability_form=availability_form,
        response_form=response_form,
        answered_id=answered_id,
        token=token,
    ), status


@bp.get("/p/<token>")
@public
def show_portal(token: str) -> Any:
    candidacy = links.resolve(token)
    zone_form = ZoneForm(formdata=request.args)
    zone, status = _zone(candidacy, zone_form)
    return _page(token, candidacy, zone, zone_form, AvailabilityForm(formdata=None), status)


@bp.post("/p/<token>/availability")
@public
def give_availability(token: str) -> Any:
    candidacy = links.resolve(token)
    form = AvailabilityForm()
    valid = form.validate()
    if "add" in request.form:
        # "Add another window": show the rows given so far plus an empty one; nothing is saved.
        zone = (form.time_zone.data or "").strip()
        zone = zone if is_valid_zone(zone) else _own_zone(candidacy)
        if not form.add_row():
            form.form_errors.append("That is as many windows as one form takes: save these first.")
        zone_form = ZoneForm(formdata=None, data={"tz": zone})
        return _page(token, candidacy, zone, zone_form, form, 200)
    try:
        windows = form.windows_utc(utcnow())
        if not valid:
            raise RuleViolation("windows", "Please check the form; nothing was saved.")
        rows = operations.give_availability(candidacy, windows)
    except RuleViolation as err:
        db.session.rollback()
        form.form_errors.append(err.message)
        # Show the page in the zone the rows were written in, with the input kept.
        zone = (form.time_zone.data or "").strip()
        zone = zone if is_valid_zone(zone) else _own_zone(candidacy)
        zone_form = ZoneForm(formdata=None, data={"tz": zone})
        return _page(token, candidacy, zone, zone_form, form, 422)
    db.session.commit()
    count = len(rows)
    flash(
        f"Thank you: we saved {count} time{'' if count == 1 else 's'} when you can meet. "
        "Your recruiter will use them to schedule the next round.",
        "info",
    )
    zone = form.time_zone.data
    args = {"tz": zone} if zone != _own_zone(candidacy) else {}
    return redirect(url_for(".show_portal", token=token, _anchor="availability", **args), 303)


@bp.post("/p/<token>/interviews/<int:interview_id>/response")
@public
def answer_invite(token: str, interview_id: int) -> Any:
    """The candidate answers the invite to one of their interviews (the link authorises)."""
    candidacy = links.resolve(token)
    interview = _interview_of(candidacy, interview_id)
    form = ResponseForm()
    if form.validate():
        try:
            responses.record_candidate_response(interview, form.response.data,
                                                comment=form.comment.data,
                                                via=responses.Via.portal)
        except (RuleViolation, Conflict) as err:
            db.session.rollback()
            form.attach(err)
        else:
            db.session.commit()
            flash("Thank you: your answer is saved.", "info")
            return redirect(url_for(".show_portal", token=token,
                                    _anchor=f"interview-{interview.id}"), 303)
    zone = _own_zone(candidacy)
    return _page(token, candidacy, zone, ZoneForm(formdata=None, data={"tz": zone}),
                 AvailabilityForm(formdata=None), 422, form, interview.id)


def _interview_of(candidacy: Candidacy, interview_id: int) -> Interview:
    """One of this candidacy's interviews; any other id is 404."""
    interview = db.session.scalar(
        sa.select(Interview)
        .join(Round, Round.id == Interview.round_id)
        .where(Interview.id == interview_id, Round.candidacy_id == candidacy.id)
    )
    if interview is None:
        raise NotFound("No such page.")
    return interview


@bp.get("/p/<token>/interviews/<int:interview_id>.ics")
@public
def download_ics(token: str, interview_id: int) -> Any:
    """The interview as a calendar file: the invite's event (same UID, SEQUENCE, ORGANIZER and
    text) as METHOD:PUBLISH without RSVP attendees, so importing it over the invite changes
    nothing (see invites.operations.candidate_event)."""
    candidacy = links.resolve(token)
    interview = _interview_of(candidacy, interview_id)
    if interview.is_cancelled:
        raise Gone("This interview was cancelled, so there is no calendar file for it.")
    context = invites.candidate_context(
        interview, external_url("portal.show_portal", token=token)
    )
    event = invites.candidate_event(
        interview, invites.identity(interview, Audience.candidate), context
    )
    data = ical.publish([(event, False)])
    response = Response(data, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="interview-{interview.id}.ics"'
    return response


# --- the recruiter's side ------------------------------------------------------------------------


@bp.post("/candidacies/<int:candidacy_id>/portal-link")
@requires(can_issue_portal_links)
def issue_link(candidacy_id: int) -> Any:
    """Hand out a fresh link to the candidate's page; shown on this response only."""
    candidacy = get_candidacy(candidacy_id)
    require(can_issue_portal_link(g.user, candidacy))
    link = operations.issue_link(candidacy, actor=g.user)
    db.session.commit()
    response = current_app.make_response(
        (
            render_template(
                "portal/link_issued.html",
                candidacy=candidacy,
                candidate=candidacy.candidate,
                job=candidacy.job,
                url=external_url("portal.show_portal", token=link.token),
                expires_at=link.expires_at,
            ),
            201,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --- self-scheduling: the candidate picks a time -------------------------------------------------


def _self_schedule_page(token: str, request_: selfschedule.SelfScheduleRequest, zone: str,
                        zone_form: ZoneForm, status: int, error: str | None = None) -> Any:
    booked = (
        selfschedule.booked_interview(request_)
        if request_.state is selfschedule.SelfScheduleState.booked
        else None
    )
    movable = booked is not None and selfschedule.can_reschedule(request_)
    found = selfschedule.live_slots(request_) if booked is None or movable else []
    days: dict[Any, list[Any]] = {}
    for slot in found:
        days.setdefault(to_zone(slot.starts_at, zone).date(), []).append(slot)
    return render_template(
        "portal/self_schedule.html",
        request_=request_,
        candidacy=request_.round.candidacy,
        days=days,
        zone=zone,
        own_zone=_own_zone(request_.round.candidacy),
        zone_form=zone_form,
        pick_form=PickForm(formdata=None),
        error=error,
        token=token,
        booked=booked,
        movable=movable,
        reschedule_until=selfschedule.reschedule_deadline(request_) if booked else None,
        recruiter=request_.offered_by,
    ), status


@bp.get("/s/<token>")
@public
def show_self_schedule(token: str) -> Any:
    """The candidate's live slots, grouped by day in their zone (or the one they switch to);
    once booked, the booking and (until the cutoff) the times it can move to."""
    request_ = selfschedule.resolve_link(token)
    zone_form = ZoneForm(formdata=request.args)
    zone, status = _zone(request_.round.candidacy, zone_form)
    return _self_schedule_page(token, request_, zone, zone_form, status)


def _submit_pick(
    token: str,
    resolve: Callable[[str], selfschedule.SelfScheduleRequest],
    apply: Callable[[selfschedule.SelfScheduleRequest, datetime], object],
) -> tuple[Any, str, Candidacy]:
    """Apply the candidate's picked time (book or move) to ``resolve``'s request and commit.
    Returns the page to answer with instead (None once applied), the zone the candidate was
    viewing, and the candidacy. No pick re-renders 422; a taken time re-renders a fresh list
    (409), a broken rule its reason (422)."""
    request_ = resolve(token)
    candidacy = request_.round.candidacy
    form = PickForm()
    zone = (form.tz.data or "").strip()
    zone = zone if is_valid_zone(zone) else _own_zone(candidacy)
    zone_form = ZoneForm(formdata=None, data={"tz": zone})
    if not form.validate():
        return _self_schedule_page(token, request_, zone, zone_form, 422,
                                   "Please pick one of the times below."), zone, candidacy
    try:
        apply(request_, form.starts_at_utc())
    except (RuleViolation, Conflict) as err:
        db.session.rollback()
        status = 409 if isinstance(err, Conflict) else 422
        return _self_schedule_page(token, resolve(token), zone, zone_form, status,
                                   err.message), zone, candidacy
    db.session.commit()
    return None, zone, candidacy


@bp.post("/s/<token>/pick")
@public
def pick_self_schedule_slot(token: str) -> Any:
    """The candidate books the time they picked; a taken time re-renders a fresh list (409)."""
    page, _, candidacy = _submit_pick(token, selfschedule.resolve, selfschedule.book)
    if page is not None:
        return page
    flash("Thank you: your interview is booked. The invitation is on its way to your mailbox.",
          "info")
    portal = links.issue(candidacy)
    return redirect(url_for(".show_portal", token=portal.token, _anchor="upcoming"), 303)


@bp.post("/s/<token>/repick")
@public
def repick_self_schedule_slot(token: str) -> Any:
    """The candidate moves their booking to another time (until the cutoff); a taken time or
    one past the cutoff re-renders the page with the reason (409)."""
    page, zone, _ = _submit_pick(token, selfschedule.resolve_link,
                                 selfschedule.reschedule)
    if page is not None:
        return page
    flash("Your interview has moved to the new time. An updated invitation is on its way.",
          "info")
    return redirect(url_for(".show_self_schedule", token=token, tz=zone), 303)
