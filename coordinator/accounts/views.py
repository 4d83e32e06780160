"""Sign in and out, profile, API tokens, and user administration."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from coordinator.access import public, require, requires
from coordinator.accounts import operations
from coordinator.accounts.forms import (
    LoginForm,
    NewUserForm,
    PasswordForm,
    ProfileForm,
    TokenForm,
    UserForm,
)
from coordinator.accounts.models import User
from coordinator.accounts.permissions import (
    can_edit_user,
    can_manage_tokens,
    can_manage_users,
    is_signed_in,
)
from coordinator.errors import Conflict, RuleViolation
from coordinator.extensions import db, limiter
from coordinator.web import page_number, render_form, search_text

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes to the dashboard."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@public
def login() -> Any:
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            db.session.commit()
            login_user(user, remember=bool(form.remember.data))
            return redirect(_safe_next(request.args.get("next")), 303)
        form.password.errors = ["Wrong email or password."]
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@requires(is_signed_in)
def logout() -> Any:
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("accounts.login"), 303)


PER_PAGE = 50


# --- the profile: every user, about themselves ---------------------------------------------------


@bp.route("/profile", methods=["GET", "POST"])
@requires(is_signed_in)
def profile() -> Any:
    user = g.user
    require(can_edit_user(user, user))
    form = ProfileForm(prefix="profile", obj=user)
    if form.validate_on_submit():
        try:
            operations.update_user(user, actor=user, **form.values())
        except (RuleViolation, Conflict) as err:
            form.attach(err)
        else:
            db.session.commit()
            flash("Your profile is saved.", "info")
            return redirect(url_for(".profile"), 303)
    return _render_profile(user, profile_form=form,
                           status=422 if request.method == "POST" else 200)


@bp.post("/profile/password")
@requires(is_signed_in)
def change_password() -> Any:
    user = g.user
    require(can_edit_user(user, user))
    form = PasswordForm(prefix="password")
    if form.validate_on_submit():
        try:
            operations.change_password(user, actor=user,
                                       current_password=form.current_password.data,
                                       new_password=form.password.data or "")
        except (RuleViolation, Conflict) as err:
            form.attach(err)
        else:
            db.session.commit()
            flash("Your password is changed.", "info")
            return redirect(url_for(".profile"), 303)
    return _render_profile(user, password_form=form, status=422)


@bp.post("/profile/tokens")
@requires(is_signed_in)
def create_token() -> Any:
    user = g.user
    require(can_manage_tokens(user, user))
    form = TokenForm(prefix="token")
    if form.validate_on_submit():
        try:
            token, secret = operations.create_token(user, actor=user, name=form.name.data or "")
        except (RuleViolation, Conflict) as err:
            form.attach(err)
        else:
            db.session.commit()
            # The secret is shown on this response only: it is neither stored nor put in the
            # session cookie, and the page must not be cached.
            response = _render_profile(user, new_token=token, new_secret=secret, status=201)
            response.headers["Cache-Control"] = "no-store"
            return response
    return _render_profile(user, token_form=form, status=422)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@requires(is_signed_in)
def revoke_token(token_id: int) -> Any:
    user = g.user
    token = operations.get_token(user, token_id)
    require(can_manage_tokens(user, token.user))
    operations.revoke_token(token, actor=user)
    db.session.commit()
    flash(f"Token {token.prefix}… revoked; it no longer works.", "info")
    return redirect(url_for(".profile", _anchor="tokens"), 303)


def _render_profile(user: User, *, profile_form: ProfileForm | None = None,
                    password_form: PasswordForm | None = None,
                    token_form: TokenForm | None = None, new_token: Any = None,
                    new_secret: str | None = None, status: int = 200) -> Any:
    response = current_app.make_response((render_template(
        "accounts/profile.html", user=user,
        profile_form=profile_form or ProfileForm(prefix="profile", formdata=None, obj=user),
        password_form=password_form or PasswordForm(prefix="password", formdata=None),
        token_form=token_form or TokenForm(prefix="token", formdata=None),
        tokens=operations.live_tokens(user), new_token=new_token, new_secret=new_secret,
    ), status))
    return response


# --- user administration: admins ----------------------------------------------------------------


@bp.get("/users")
@requires(can_manage_users)
def list_users() -> Any:
    q = search_text()
    page = db.paginate(operations.search_users(q), page=page_number(), per_page=PER_PAGE,
                       error_out=False)
    return render_template("accounts/users.html", page=page, q=q)


@bp.route("/users/new", methods=["GET", "POST"])
@requires(can_manage_users)
def new_user() -> Any:
    form = NewUserForm()
    if request.method == "GET":
        form.time_zone.data = g.user.time_zone
        form.roles.data = ["interviewer"]
    if form.validate_on_submit():
        try:
            user = operations.create_user(actor=g.user, **form.values())
        except (RuleViolation, Conflict) as err:
            form.attach(err)
        else:
            db.session.commit()
            flash(f"{user.name} can now sign in as {user.email}.", "info")
            return redirect(url_for(".list_users"), 303)
    return render_form("accounts/user_form.html", form=form, target=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires(can_manage_users)
def edit_user(user_id: int) -> Any:
    target = operations.get_user(user_id)
    require(can_edit_user(g.user, target))
    form = UserForm(obj=target)
    if form.validate_on_submit():
        try:
            operations.update_user(target, actor=g.user, **form.values())
        except (RuleViolation, Conflict) as err:
            form.attach(err)
        else:
            db.session.commit()
            flash(f"{target.name}'s account is saved.", "info")
            return redirect(url_for(".list_users"), 303)
    return render_form("accounts/user_form.html", form=form, target=target)
