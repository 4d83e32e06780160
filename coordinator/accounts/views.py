"""Sign in and out, profile, API tokens, and user administration."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from coordinator.access import public, requires
from coordinator.accounts import operations
from coordinator.accounts.forms import LoginForm
from coordinator.accounts.permissions import can_manage_users, is_signed_in
from coordinator.extensions import db, limiter

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


@bp.get("/profile")
@requires(is_signed_in)
def profile() -> Any:
    return render_template("accounts/profile.html")


@bp.get("/users")
@requires(can_manage_users)
def list_users() -> Any:
    return render_template("accounts/users.html")
