"""Compensation pages: the stage of one candidacy, and the forms that change it.

Only admins, recruiters and the job's hiring manager reach these pages; every page that shows
figures (the stage page, also when re-shown with a form's errors) writes ``compensation.viewed``
to the audit log in the request's one commit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, flash, g, redirect, render_template, url_for

from coordinator.access import require, requires
from coordinator.audit.history import describe
from coordinator.candidates.models import Candidacy
from coordinator.candidates.operations import get_candidacy
from coordinator.compensation import operations
from coordinator.compensation.forms import (
    ApprovalForm,
    ExpectationsForm,
    OpenStageForm,
    OutcomeForm,
    ProposalForm,
)
from coordinator.compensation.models import CompensationStage
from coordinator.compensation.permissions import (
    can_approve,
    can_decide_approval,
    can_edit_stage,
    can_reach_compensation,
    can_view_figures,
)
from coordinator.db import db
from coordinator.errors import Conflict, NotFound, RuleViolation
from coordinator.forms import Form
from coordinator.money import as_text

bp = Blueprint("compensation", __name__)


@bp.after_request
def _not_stored(response: Response) -> Response:
    """Figures stay out of browser and proxy caches: every answer here, refusals included."""
    response.headers["Cache-Control"] = "no-store"
    return response


#: Each form's prefix, so that field ids stay unique on the one page that shows them all.
PREFIXES = {
    "expectations": "expected",
    "proposal": "proposal",
    "approval": "approval",
    "outcome": "outcome",
}


def money(value: Decimal | None, currency: str | None = None) -> str:
    """``95,000.00 EUR`` for people (the API gives plain decimal strings)."""
    if value is None:
        return ""
    text = f"{value:,.2f}"
    return f"{text} {currency}" if currency else text


# --- loading through parents ---------------------------------------------------------------------


def _candidacy(candidacy_id: int, *, edit: bool = False) -> Candidacy:
    candidacy = get_candidacy(candidacy_id)
    require(can_view_figures(g.user, candidacy.job), "Compensation figures are restricted.")
    if edit:
        require(can_edit_stage(g.user, candidacy.job))
    return candidacy


def _stage(candidacy: Candidacy) -> CompensationStage:
    stage = operations.stage_of(candidacy)
    if stage is None:
        raise NotFound(
            "This candidacy has no compensation stage yet. Open it from the candidacy page."
        )
    return stage


# --- the page ------------------------------------------------------------------------------------


def _forms(stage: CompensationStage, submitted: dict[str, Form]) -> dict[str, Form]:
    """Every form of the page: the submitted one as sent, the others filled from the stage."""
    job = stage.candidacy.job
    forms: dict[str, Form] = dict(submitted)
    if "expectations" not in forms:
        forms["expectations"] = ExpectationsForm(
            formdata=None,
            prefix=PREFIXES["expectations"],
            data={
                "amount": (
                    as_text(stage.expected_amount) if stage.expected_amount is not None else ""
                ),
                "currency": stage.expected_currency or job.pay_band_currency,
                "period": stage.expected_period.value,
                "bonus_notes": stage.bonus_notes,
                "equity_notes": stage.equity_notes,
                "earliest_start": stage.earliest_start,
                "notice_period": stage.notice_period,
                "notes": stage.expected_notes,
                "conversion_note": stage.conversion_note,
            },
        )
    if "proposal" not in forms:
        forms["proposal"] = ProposalForm(
            formdata=None, prefix=PREFIXES["proposal"], data={"currency": job.pay_band_currency}
        )
    if "approval" not in forms:
        forms["approval"] = ApprovalForm(formdata=None, prefix=PREFIXES["approval"])
    # The approval decides the proposal the page shows as current, also when re-shown.
    current = stage.current_proposal
    forms["approval"].proposal_id.data = current.id if current is not None else None
    if "outcome" not in forms:
        forms["outcome"] = OutcomeForm(formdata=None, prefix=PREFIXES["outcome"])
    return forms


def _render(stage: CompensationStage, *, status: int = 200, **submitted: Form) -> Any:
    """The stage page, its reading audited in the request's one commit (after rendering, so the
    page is built from what was loaded, not reloaded)."""
    operations.record_read(stage, actor=g.user, where="page")
    candidacy, job = stage.candidacy, stage.candidacy.job
    page = render_template(
        "compensation/stage.html",
        stage=stage,
        candidacy=candidacy,
        job=job,
        candidate=candidacy.candidate,
        forms=_forms(stage, submitted),
        money=money,
        expectation=operations.position(
            job, stage.expected_amount, stage.expected_currency, stage.expected_period
        ),
        positions={
            p.id: operations.position(job, p.amount, p.currency, p.period) for p in stage.proposals
        },
        approvals={p.id: operations.approval_of(p) for p in stage.proposals},
        can_edit=can_edit_stage(g.user, job) and not candidacy.is_closed,
        can_decide=can_decide_approval(g.user, stage),
        is_approver=can_approve(g.user, job),
        trail=operations.trail(stage),
        describe=describe,
    )
    db.session.commit()
    return page, status


def _refused(
    stage: CompensationStage, name: str, form: Form, err: RuleViolation | Conflict | None = None
) -> Any:
    """Re-show the page after a refused submission: nothing saved, input and messages kept."""
    db.session.rollback()
    status = 422
    if err is not None:
        form.attach(err)
        status = err.status
        if isinstance(err, Conflict):  # its form may be gone (a concluded stage shows none)
            flash(err.message, "error")
    return _render(stage, status=status, **{name: form})


@bp.get("/candidacies/<int:candidacy_id>/compensation")
@requires(can_reach_compensation)
def show_stage(candidacy_id: int) -> Any:
    return _render(_stage(_candidacy(candidacy_id)))


@bp.post("/candidacies/<int:candidacy_id>/compensation")
@requires(can_reach_compensation)
def open_stage(candidacy_id: int) -> Any:
    """Open the stage for a discussion held inside another round's interview."""
    candidacy = _candidacy(candidacy_id, edit=True)
    form = OpenStageForm()
    if not form.validate():
        flash("The form expired; try again.", "error")
        return redirect(url_for("candidates.show_candidacy", candidacy_id=candidacy.id), 303)
    try:
        operations.open_stage(candidacy, actor=g.user)
        db.session.commit()
    except RuleViolation as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("candidates.show_candidacy", candidacy_id=candidacy.id), 303)
    except sa.exc.IntegrityError:
        db.session.rollback()  # opened by someone else at the same moment: show theirs
    return redirect(url_for(".show_stage", candidacy_id=candidacy.id), 303)


@bp.post("/candidacies/<int:candidacy_id>/compensation/expectations")
@requires(can_reach_compensation)
def set_expectations(candidacy_id: int) -> Any:
    stage = _stage(_candidacy(candidacy_id, edit=True))
    form = ExpectationsForm(prefix=PREFIXES["expectations"])
    if not form.validate():
        return _refused(stage, "expectations", form)
    try:
        operations.set_expectations(stage, actor=g.user, **form.values())
    except (RuleViolation, Conflict) as err:
        return _refused(stage, "expectations", form, err)
    db.session.commit()
    flash("Expectations saved.", "info")
    return redirect(url_for(".show_stage", candidacy_id=candidacy_id, _anchor="expectations"), 303)


@bp.post("/candidacies/<int:candidacy_id>/compensation/proposals")
@requires(can_reach_compensation)
def add_proposal(candidacy_id: int) -> Any:
    stage = _stage(_candidacy(candidacy_id, edit=True))
    form = ProposalForm(prefix=PREFIXES["proposal"])
    if not form.validate():
        return _refused(stage, "proposal", form)
    try:
        proposal = operations.propose(stage, actor=g.user, **form.values())
        db.session.commit()
    except (RuleViolation, Conflict) as err:
        return _refused(stage, "proposal", form, err)
    except sa.exc.IntegrityError:
        conflict = Conflict(
            "Someone added a proposal at the same moment; check it and try again.",
            [{"kind": "integrity", "detail": "concurrent proposal"}],
        )
        return _refused(stage, "proposal", form, conflict)
    flash(
        "Proposal added; it waits for approval by an admin or the job's hiring manager."
        if proposal.approval.value == "pending"
        else "Proposal added.",
        "info",
    )
    return redirect(url_for(".show_stage", candidacy_id=candidacy_id, _anchor="proposals"), 303)


@bp.post("/candidacies/<int:candidacy_id>/compensation/approval")
@requires(can_reach_compensation)
def decide_approval(candidacy_id: int) -> Any:
    stage = _stage(_candidacy(candidacy_id))
    require(
        can_decide_approval(g.user, stage),
        "Only an admin or the job's hiring manager who did not propose it can decide.",
    )
    form = ApprovalForm(prefix=PREFIXES["approval"])
    if not form.validate():
        return _refused(stage, "approval", form)
    try:
        operations.decide_approval(
            stage,
            actor=g.user,
            proposal_id=form.proposal_id.data,
            approved=form.decision.data == "approved",
            reason=form.reason.data,
        )
    except (RuleViolation, Conflict) as err:
        return _refused(stage, "approval", form, err)
    db.session.commit()
    flash("Decision recorded.", "info")
    return redirect(url_for(".show_stage", candidacy_id=candidacy_id, _anchor="proposals"), 303)


@bp.post("/candidacies/<int:candidacy_id>/compensation/outcome")
@requires(can_reach_compensation)
def conclude(candidacy_id: int) -> Any:
    stage = _stage(_candidacy(candidacy_id, edit=True))
    form = OutcomeForm(prefix=PREFIXES["outcome"])
    if not form.validate():
        return _refused(stage, "outcome", form)
    try:
        operations.conclude(stage, actor=g.user, outcome=form.outcome.data, reason=form.reason.data)
    except (RuleViolation, Conflict) as err:
        return _refused(stage, "outcome", form, err)
    db.session.commit()
    flash(
        f"Outcome recorded: {stage.state.title.lower()}. The candidacy is now "
        f"{stage.candidacy.state.title.lower()}.",
        "info",
    )
    return redirect(url_for(".show_stage", candidacy_id=candidacy_id), 303)


def compensation_context(user: Any, candidacy: Candidacy) -> dict[str, Any]:
    """The candidacy page's compensation section (``compensation/_section.html``): no amounts,
    and for those who may not see figures only whether a discussion exists or is planned."""
    return {
        "compensation": operations.overview(
            candidacy, figures=can_view_figures(user, candidacy.job)
        )
    }
