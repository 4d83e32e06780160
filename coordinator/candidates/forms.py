"""Candidate forms: the candidate, and opening a candidacy from either side."""

from __future__ import annotations

from typing import Any

from wtforms import EmailField, SelectChoice, SelectField, StringField, TelField
from wtforms.validators import DataRequired, InputRequired, Length

from coordinator.accounts.operations import normalise_email
from coordinator.candidates.operations import check_phone
from coordinator.forms import Form, TimeZoneField, checked_by
from coordinator.jobs.models import Job


class CandidateForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "off"})
    email = EmailField("Email", validators=[DataRequired(), Length(max=254),
                                            checked_by(normalise_email)],
                       render_kw={"autocomplete": "off"})
    phone = TelField("Phone", validators=[Length(max=40), checked_by(check_phone)],
                     description="With the country code, e.g. +49 30 1234567.")
    time_zone = TimeZoneField(
        description="Where the candidate is: interview times are shown to them in this zone "
                    "(an IANA name, e.g. America/New_York)."
    )

    def values(self) -> dict[str, Any]:
        return {"name": self.name.data or "", "email": self.email.data or "",
                "phone": self.phone.data or "", "time_zone": self.time_zone.data or ""}


class CandidacyForJobForm(Form):
    """On a job's page: which existing candidate to add."""

    candidate_email = EmailField(
        "Candidate's email", validators=[DataRequired(), Length(max=254),
                                         checked_by(normalise_email)],
        description="Someone already on the Candidates list.",
    )
    field_aliases = {"candidate_id": "candidate_email"}


def _job_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


class CandidacyForCandidateForm(Form):
    """On a candidate's page: which open job they are a candidate for."""

    job_id = SelectField("Job", coerce=_job_id, validators=[InputRequired()],
                         choices=[SelectChoice("", "— choose an open job —")])
    field_aliases = {"candidate_id": "job_id"}

    def offer_jobs(self, jobs: list[Job]) -> None:
        self.job_id.choices = [
            SelectChoice("", "— choose an open job —"),
            *(SelectChoice(str(job.id), job.title + (f" ({job.location})" if job.location else ""))
              for job in jobs),
        ]
