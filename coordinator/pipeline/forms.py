"""Pipeline forms: the filters (a GET form kept in the query string) and the bulk action."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from coordinator.accounts.models import User
from coordinator.candidates.models import CandidacyState
from coordinator.forms import CheckboxListField, Form, enum_choices
from coordinator.jobs.models import PlannedRound
from coordinator.pipeline.operations import Action, People
from coordinator.pipeline.statuses import DEFAULT_STATES, NO_ROUND, Filters, Status
from coordinator.shortlist.operations import MAX_REASON
from coordinator.validation import MAX_ID

#: The query-string names the filters use (kept on links, the pager and after an action).
FILTER_NAMES = ("status", "round", "state", "q")


def _split(args: MultiDict[str, str], name: str) -> list[str]:
    """``?x=a&x=b`` (checkboxes) and ``?x=a,b`` (links) alike."""
    return [part.strip() for value in args.getlist(name) for part in value.split(",")
            if part.strip()]


class PipelineFilterForm(Form):
    """Which candidacies the pipeline lists (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    status = CheckboxListField("Status", choices=enum_choices(Status))
    round = SelectField("Current round", validators=[Optional()])
    state = CheckboxListField("Candidacy state", choices=enum_choices(CandidacyState))
    q = SearchField("Candidate name", validators=[Optional(), Length(max=200)])

    def __init__(self, args: MultiDict[str, str], plan: list[PlannedRound],
                 **kwargs: Any) -> None:
        data = MultiDict(args)
        data.setlist("status", _split(args, "status"))
        data.setlist("state", _split(args, "state") or [s.value for s in DEFAULT_STATES])
        super().__init__(formdata=data, **kwargs)
        self.round.choices = [SelectChoice("", "Any round"),
                              SelectChoice(NO_ROUND, "No round yet")] + [
            SelectChoice(str(p.id), p.title) for p in plan]

    def filters(self) -> Filters:
        """What the valid fields select; an invalid field filters nothing (its message shows)."""
        statuses = () if self.status.errors else tuple(Status(v) for v in self.status.data or [])
        states = (DEFAULT_STATES if self.state.errors or not self.state.data
                  else tuple(CandidacyState(v) for v in self.state.data))
        round_: int | str | None = None
        if not self.round.errors and self.round.data:
            round_ = NO_ROUND if self.round.data == NO_ROUND else int(self.round.data)
        text = "" if self.q.errors else (self.q.data or "").strip()
        return Filters(statuses=statuses, round=round_, states=states, text=text)

    def query_args(self) -> dict[str, Any]:
        """The filters as query-string values for links (lists are comma-joined)."""
        chosen = self.filters()
        args: dict[str, Any] = {"state": ",".join(s.value for s in chosen.states)}
        if chosen.statuses:
            args["status"] = ",".join(s.value for s in chosen.statuses)
        if chosen.round is not None:
            args["round"] = chosen.round
        if chosen.text:
            args["q"] = chosen.text
        return args


class BulkActionForm(Form):
    """One action for the selected candidacies (checkboxes named ``candidacy_ids``)."""

    field_aliases = {"pool_ids": "interviewer_ids"}

    candidacy_ids = SelectMultipleField("Selected candidacies", coerce=int,
                                        validate_choice=False)
    action = SelectField("Action", validators=[InputRequired("Choose an action.")])
    reason = TextAreaField(
        "Reason (for rejecting)", validators=[Optional(), Length(max=MAX_REASON)],
        description="Kept with each rejection for everyone who follows the candidacy.",
    )
    interviewer_ids = SelectMultipleField(
        "Interviewers (for self-scheduling)", coerce=int, validate_choice=False,
        description="Leave empty to reuse the interviewers of each round's last offer.",
    )
    pool_size = IntegerField("How many of them sit on each panel (0: all)", default=0,
                             validators=[Optional(), NumberRange(0, 12)])
    confirmed = BooleanField("Confirmed")
    back = HiddenField(validators=[Optional(), Length(max=2000)])

    def offer(self, actions: list[Action], people: list[User]) -> None:
        self.action.choices = [SelectChoice("", "Choose an action…")] + [
            SelectChoice(a.value, a.title) for a in actions]
        self.interviewer_ids.choices = [
            (u.id, f"{u.name}{' · ' + u.job_title if u.job_title else ''}") for u in people]

    def validate_candidacy_ids(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise ValidationError("Select at least one candidacy.")
        if any(i < 1 or i > MAX_ID for i in field.data):
            raise ValidationError("Select candidacies of this job.")

    def people(self) -> People:
        """Required interviewers, or (with a number) a pool of which that many sit."""
        ids = list(self.interviewer_ids.data or [])
        size = self.pool_size.data or 0
        if size:
            return People(pool_ids=ids, pool_size=size)
        return People(interviewer_ids=ids)
