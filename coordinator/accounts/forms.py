"""Account forms: sign in, the profile, passwords, API tokens, user administration."""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length

from coordinator.accounts.models import Role
from coordinator.accounts.operations import normalise_email
from coordinator.accounts.passwords import MIN_LENGTH
from coordinator.forms import CheckboxListField, Form, TimeZoneField, checked_by


class LoginForm(Form):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
    remember = BooleanField("Keep me signed in on this device")


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(value, title) for value, title in Role.choices()]


class ProfileForm(Form):
    """What every user may change about themselves."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    job_title = StringField("Job title", validators=[Length(max=200)],
                            description="Candidates see it when they meet you.")
    bio = TextAreaField("About you", validators=[Length(max=1000)],
                        description="A few lines the candidate and other interviewers see.")
    time_zone = TimeZoneField(description="Times are shown to you in this zone.")

    def values(self) -> dict[str, Any]:
        return {"name": self.name.data or "", "job_title": self.job_title.data or "",
                "bio": self.bio.data or "", "time_zone": self.time_zone.data or ""}


class UserForm(ProfileForm):
    """An admin editing someone's account."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254),
                                            checked_by(normalise_email)])
    roles = CheckboxListField("Roles", choices=_role_choices(),
                              validators=[DataRequired("Give at least one role.")])
    is_active = BooleanField("Active (may sign in)", default=True)

    def values(self) -> dict[str, Any]:
        return {**super().values(), "email": self.email.data or "",
                "roles": {Role(r) for r in self.roles.data or []},
                "is_active": bool(self.is_active.data)}


class NewUserForm(UserForm):
    password = PasswordField(
        "Initial password", validators=[DataRequired(), Length(min=MIN_LENGTH, max=1000)],
        description=f"At least {MIN_LENGTH} characters, not a common password; tell it to "
                    "them in person. They can change it on their profile.",
    )

    def values(self) -> dict[str, Any]:
        return {**super().values(), "password": self.password.data or ""}


class PasswordForm(Form):
    current_password = PasswordField("Current password",
                                     validators=[DataRequired(), Length(max=1000)],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(
        "New password", validators=[DataRequired(), Length(min=MIN_LENGTH, max=1000)],
        description=f"At least {MIN_LENGTH} characters, not a common password.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("password", "The two new passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


class EmailChangeForm(Form):
    email = EmailField("New email", validators=[DataRequired(), Length(max=254),
                                                checked_by(normalise_email)],
                       description="We send a link to the new address; your address changes "
                                   "when you follow it.",
                       render_kw={"autocomplete": "email"})
    current_password = PasswordField("Current password",
                                     validators=[DataRequired(), Length(max=1000)],
                                     render_kw={"autocomplete": "current-password"})


class TokenForm(Form):
    name = StringField("Token name", validators=[DataRequired(), Length(max=100)],
                       description="To recognise it later, e.g. “ATS sync” or “my laptop”.",
                       render_kw={"autocomplete": "off"})
