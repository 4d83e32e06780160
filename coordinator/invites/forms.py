"""The answer to an invite, on the interview page (panel members) and the portal (candidates)."""

from __future__ import annotations

from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length

from coordinator.forms import Form
from coordinator.invites.responses import MAX_COMMENT
from coordinator.scheduling.models import ANSWERS


class ResponseForm(Form):
    response = RadioField("Your answer", choices=[SelectChoice(a.value, a.title) for a in ANSWERS],
                          validators=[DataRequired("Choose accepted, tentative or declined.")])
    comment = TextAreaField("Note (optional)", validators=[Length(max=MAX_COMMENT)],
                            render_kw={"rows": 2})
