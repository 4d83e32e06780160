"""Assessment pages: write one's own (draft, then submit), read one, reopen one (recruiters);
plus the assessment parts of the interview and candidacy pages."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from coordinator.access import require, requires
from coordinator.accounts.models import User
from coordinator.accounts.permissions import is_signed_in
from coordinator.assessments import operations
from coordinator.assessments.briefs import brief_for
from coordinator.assessments.forms import ReopenForm, make_assessment_form
from coordinator.assessments.models import SCALE, Assessment, Recommendation
from coordinator.assessments.overview import candidacy_assessments, interview_assessments
from coordinator.assessments.permissions import (
    can_assess,
    can_reopen,
    can_view_assessment,
)
from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.errors import Conflict, RuleViolation
from coordinator.scheduling.models import Interview
from coordinator.scheduling.operations import get_interview
from coordinator.scheduling.permissions import can_view_interview
from coordinator.timeutil import utcnow

bp = Blueprint("assessments", __name__)


# --- parts of other pages ------------------------------------------------------------------------


def interview_context(viewer: User, interview: Interview) -> dict[str, Any]:
    """The interview page's assessment parts: the brief, one's own, others' (when allowed)."""
    return {
        "assessment_brief": brief_for(interview, viewer),
        "interview_assessments": interview_assessments(viewer, interview),
        **_labels(),
    }


def candidacy_context(viewer: User, candidacy: Candidacy) -> dict[str, Any]:
    """What the candidacy page's "Assessments" section shows (a constant number of queries)."""
    return {"candidacy_assessments": candidacy_assessments(viewer, candidacy), **_labels()}


def _labels() -> dict[str, Any]:
    return {"scale_labels": SCALE, "recommendation_order": list(Recommendation)}


# --- loading through parents ---------------------------------------------------------------------


def _interview(interview_id: int) -> Interview:
    return get_interview(interview_id)


def _assessment(interview_id: int, assessment_id: int) -> Assessment:
    return operations.get_interview_assessment(_interview(interview_id), assessment_id)


# --- one's own assessment ------------------------------------------------------------------------


@bp.route("/interviews/<int:interview_id>/assessment", methods=["GET", "POST"])
@requires(is_signed_in)
def edit_assessment(interview_id: int) -> Any:
    """The signed-in interviewer's own assessment: "Save draft" any time, "Submit" once started."""
    interview = _interview(interview_id)
    require(
        can_assess(g.user, interview), "Only interviewers on this interview's panel can assess it."
    )
    assessment = operations.find(interview, g.user)
    if request.method == "GET" and assessment is not None and assessment.is_submitted:
        return redirect(
            url_for(".show_assessment", interview_id=interview.id, assessment_id=assessment.id)
        )
    criteria = operations.scorecard(interview)
    form = make_assessment_form(criteria, assessment if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        values = form.values()
        try:
            saved = operations.save_assessment(interview, actor=g.user, **values)
        except (RuleViolation, Conflict) as err:
            db.session.rollback()
            form.attach(err)
            status = 409 if isinstance(err, Conflict) else 422
        except sa.exc.IntegrityError:
            # The same interviewer saved in another tab at the same moment.
            db.session.rollback()
            form.form_errors.append("Your assessment was saved elsewhere meanwhile; reload it.")
            status = 409
        else:
            db.session.commit()
            if saved.is_submitted:
                flash("Assessment submitted.", "info")
                return redirect(
                    url_for("scheduling.show_interview", interview_id=interview.id), 303
                )
            flash("Draft saved. Submit it once the interview has taken place.", "info")
            return redirect(url_for(".edit_assessment", interview_id=interview.id), 303)
    elif request.method == "POST":
        status = 422
    return render_template(
        "assessments/edit.html",
        form=form,
        interview=interview,
        round=interview.round,
        candidacy=interview.round.candidacy,
        assessment=operations.find(interview, g.user),
        due_at=operations.due_at(interview),
        scale=SCALE,
        started=interview.starts_at <= utcnow(),
    ), status


# --- reading and reopening -----------------------------------------------------------------------


@bp.get("/interviews/<int:interview_id>/assessments/<int:assessment_id>")
@requires(is_signed_in)
def show_assessment(interview_id: int, assessment_id: int) -> Any:
    assessment = _assessment(interview_id, assessment_id)
    require(
        can_view_assessment(g.user, assessment),
        "You can read colleagues' assessments of this candidate once you have submitted yours.",
    )
    reopen_form = ReopenForm(formdata=None) if can_reopen(g.user) else None
    return _render_assessment(assessment, reopen_form)


@bp.route(
    "/interviews/<int:interview_id>/assessments/<int:assessment_id>/reopen", methods=["GET", "POST"]
)
@requires(can_reopen)
def reopen_assessment(interview_id: int, assessment_id: int) -> Any:
    """Recruiters and admins unlock a submitted assessment, saying why (kept in the history)."""
    assessment = _assessment(interview_id, assessment_id)
    require(can_view_interview(g.user, assessment.interview))
    form = ReopenForm()
    status = 200
    if form.validate_on_submit():
        try:
            operations.reopen_assessment(assessment, actor=g.user, reason=form.reason.data)
        except (RuleViolation, Conflict) as err:
            db.session.rollback()
            form.attach(err)
            status = 409 if isinstance(err, Conflict) else 422
        else:
            db.session.commit()
            flash(
                f"{assessment.interviewer.name}'s assessment is reopened; they can change "
                "and submit it again.",
                "info",
            )
            return redirect(
                url_for(
                    "candidates.show_candidacy",
                    candidacy_id=assessment.interview.round.candidacy_id,
                    _anchor="assessments",
                ),
                303,
            )
    elif request.method == "POST":
        status = 422
    return render_template(
        "assessments/reopen.html",
        form=form,
        assessment=assessment,
        interview=assessment.interview,
        candidacy=assessment.interview.round.candidacy,
    ), status


def _render_assessment(
    assessment: Assessment, reopen_form: ReopenForm | None, status: int = 200
) -> Any:
    interview = assessment.interview
    return render_template(
        "assessments/show.html",
        assessment=assessment,
        interview=interview,
        round=interview.round,
        candidacy=interview.round.candidacy,
        reopen_form=reopen_form,
        is_own=assessment.interviewer_id == g.user.id,
        scale=SCALE,
    ), status
