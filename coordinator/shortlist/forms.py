"""Shortlist forms: the filter above the shortlist (GET) and the decision form (POST)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from coordinator.candidates.models import CandidacyState
from coordinator.errors import RuleViolation
from coordinator.forms import CheckboxListField, Form, enum_choices
from coordinator.jobs.models import PlannedRound
from coordinator.shortlist.aggregates import DEFAULT_STATES
from coordinator.shortlist.models import Outcome
from coordinator.shortlist.operations import MAX_REASON
from coordinator.validation import MAX_ID


def parse_ids(values: Sequence[str]) -> list[int]:
    """``?ids=1,2`` or ``?ids=1&ids=2`` → ids; RuleViolation on anything but positive ids."""
    parts = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if len(parts) > 50 or not all(part.isdigit() for part in parts):
        raise RuleViolation("ids", "Give the candidacies to compare as ids, e.g. ids=3,7.")
    ids = [int(part) for part in parts]
    if any(i < 1 or i > MAX_ID for i in ids):
        raise RuleViolation("ids", "Compare candidacies of this job only.")
    return ids


class ShortlistFilterForm(Form):
    """Which candidacies the shortlist shows: states and a planned round (a GET form)."""

    class Meta:
        csrf = False

    state = CheckboxListField("States", choices=enum_choices(CandidacyState))
    round = SelectField("Has the round", validators=[Optional()])

    def __init__(self, args: MultiDict[str, str], plan: list[PlannedRound], **kwargs: Any) -> None:
        # Accept ``?state=active&state=offer`` (checkboxes) and ``?state=active,offer`` (links).
        data = MultiDict(args)
        states = [part for value in args.getlist("state") for part in value.split(",") if part]
        data.setlist("state", states or [s.value for s in DEFAULT_STATES])
        super().__init__(formdata=data, **kwargs)
        self.round.choices = [SelectChoice("", "Any round")] + [
            SelectChoice(str(p.id), p.title) for p in plan
        ]

    def states(self) -> list[CandidacyState]:
        """The chosen states; the defaults when the choice is invalid."""
        if self.state.errors:
            return list(DEFAULT_STATES)
        return [CandidacyState(value) for value in self.state.data or []]

    def planned_round_id(self) -> int | None:
        if self.round.errors or not self.round.data:
            return None
        return int(self.round.data)


class DecisionForm(Form):
    """Record a decision on a candidacy: an outcome and its reason (kept, never edited)."""

    outcome = RadioField(
        "Decision", choices=enum_choices(Outcome), validators=[InputRequired("Choose a decision.")]
    )
    reason = TextAreaField(
        "Reason",
        validators=[DataRequired("Give the reason for this decision."), Length(max=MAX_REASON)],
        description="Kept with the decision for everyone who follows this candidacy; "
        "decisions are never edited.",
    )
    confirm_missing = BooleanField("Decide although assessments are still missing")

    def values(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.data,
            "reason": self.reason.data or "",
            "confirm_missing": bool(self.confirm_missing.data),
        }
