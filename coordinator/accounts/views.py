"""Sign in and out, profile, API tokens, and user administration."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_login.config import COOKIE_NAME

from coordinator.access import public, require, requires
from coordinator.accounts import email_change, operations, sessions, throttling
from coordinator.accounts.forms import (
    EmailChangeForm,
    LoginForm,
    NewUserForm,
    PasswordForm,
    ProfileForm,
    TokenForm,
    UserForm,
)
from coordinator.accounts.models import User
from coordinator.accounts.permissions import (
    can_change_email,
    can_edit_user,
    can_manage_sessions,
    can_manage_tokens,
    can_manage_users,
    is_signed_in,
)
from coordinator.errors import Conflict, RuleViolation
from coordinator.extensions import db, limiter
from coordinator.forms import Form
from coordinator.web import page_number, render_form, search_text

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes to the dashboard."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("dashboard.index")


@bp.before_app_request
def load_signed_in_user() -> None:
    """Load the session's user before the view runs, so that the loader's occasional write of
    the session's activity never commits anything of the view's. The API and static files
    never act on the session cookie and skip it."""
    if request.blueprint == "api" or request.endpoint in (None, "static"):
        return
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
    if "_user_id" in session or remember_cookie in request.cookies:
        current_user._get_current_object()


def _sign_in(user: User, *, remember: bool) -> None:
    config = current_app.config
    lifetime = (config["REMEMBER_COOKIE_DURATION"] if remember
                else current_app.permanent_session_lifetime)
    identity = sessions.start_session(user, lifetime=lifetime, remember=remember,
                                      user_agent=request.user_agent.string,
                                      ip_address=request.remote_addr or "")
    db.session.commit()
    login_user(user, remember=remember)
    # Flask-Login keeps the user's alternative id; ours also names this browser's session.
    session["_user_id"] = identity


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
               deduct_when=throttling.login_failed, exempt_when=throttling.is_known_device)
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], methods=["POST"],
               key_func=throttling.account_key, scope="login-account",
               deduct_when=throttling.login_failed, exempt_when=throttling.is_known_device)
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], methods=["POST"],
               key_func=throttling.device_key, scope="login-device",
               deduct_when=throttling.login_failed, exempt_when=throttling.is_unknown_device)
@public
def login() -> Any:
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            _sign_in(user, remember=bool(form.remember.data))
            response = redirect(_safe_next(request.args.get("next")), 303)
            throttling.remember_device(response, user.email)
            return response
        form.password.errors = ["Wrong email or password."]
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@requires(is_signed_in)
def logout() -> Any:
    sessions.end_session(g.get("user_session"))
    db.session.commit()
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
        current = g.get("user_session")
        try:
            operations.change_password(user, actor=user,
                                       current_password=form.current_password.data,
                                       new_password=form.password.data or "",
                                       keep_session=current)
        except (RuleViolation, Conflict) as err:
            form.attach(err)
        else:
            db.session.commit()
            _follow_rotation(user, current)
            flash("Your password is changed. You are signed out everywhere else.", "info")
            return redirect(url_for(".profile"), 303)
    return _render_profile(user, password_form=form, status=422)


def _follow_rotation(user: User, current: Any) -> None:
    """Keep this browser signed in after the user's session token was rotated."""
    identity = sessions.reissue(session.get("_user_id", ""), user)
    if identity is not None:
        session["_user_id"] = identity
        if current is not None and current.is_remembered:
            session["_remember"] = "set"


@bp.post("/profile/sessions/<int:session_id>/end")
@requires(is_signed_in)
def end_session(session_id: int) -> Any:
    user = g.user
    target = sessions.get_session(user, session_id)
    require(can_manage_sessions(user, target.user))
    current = g.get("user_session")
    is_current = current is not None and current.id == target.id
    sessions.end_session(target)
    db.session.commit()
    if is_current:
        logout_user()
        flash("You are signed out.", "info")
        return redirect(url_for(".login"), 303)
    flash("That session is ended; it is signed out.", "info")
    return redirect(url_for(".profile", _anchor="sessions"), 303)


@bp.post("/profile/sign-out-everywhere")
@requires(is_signed_in)
def sign_out_everywhere() -> Any:
    user = g.user
    require(can_manage_sessions(user, user))
    sessions.end_sessions(user, actor=user)
    db.session.commit()
    logout_user()
    flash("You are signed out on every device, this one included.", "info")
    return redirect(url_for(".login"), 303)


@bp.post("/profile/email")
@requires(is_signed_in)
def request_email_change() -> Any:
    user = g.user
    require(can_change_email(user, user))
    form = EmailChangeForm(prefix="email")
    if form.validate_on_submit():
        try:
            new_email = email_change.request_email_change(
                user, actor=user, new_email=form.email.data or "",
                current_password=form.current_password.data or "")
        except (RuleViolation, Conflict) as err:
            form.attach(err)
        else:
            db.session.commit()
            flash(f"We sent a message to {new_email}. Follow the link in it to finish the "
                  f"change; until then you sign in as {user.email}.", "info")
            return redirect(url_for(".profile"), 303)
    return _render_profile(user, email_form=form, status=422)


@bp.route("/profile/email/<token>", methods=["GET", "POST"])
@requires(is_signed_in)
def confirm_email_change(token: str) -> Any:
    user = g.user
    require(can_change_email(user, user))
    change = email_change.read_link(token, user)
    form = Form()
    if form.validate_on_submit():
        email_change.confirm_email_change(user, actor=user, token=token)
        db.session.commit()
        flash(f"Your email is now {change.new_email}; sign in with it from now on.", "info")
        return redirect(url_for(".profile"), 303)
    return render_form("accounts/confirm_email.html", form=form, change=change)


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
                    email_form: EmailChangeForm | None = None,
                    token_form: TokenForm | None = None, new_token: Any = None,
                    new_secret: str | None = None, status: int = 200) -> Any:
    response = current_app.make_response((render_template(
        "accounts/profile.html", user=user,
        profile_form=profile_form or ProfileForm(prefix="profile", formdata=None, obj=user),
        password_form=password_form or PasswordForm(prefix="password", formdata=None),
        email_form=email_form or EmailChangeForm(prefix="email", formdata=None),
        token_form=token_form or TokenForm(prefix="token", formdata=None),
        tokens=operations.live_tokens(user), new_token=new_token, new_secret=new_secret,
        user_sessions=sessions.live_sessions(user), current_session=g.get("user_session"),
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
