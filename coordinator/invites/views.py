"""Calendar feed pages: subscribe (make, rotate, revoke on the profile) and the feed itself."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, url_for

from coordinator.access import public, require, requires
from coordinator.accounts.permissions import is_signed_in
from coordinator.db import db
from coordinator.errors import NotFound
from coordinator.invites import feeds
from coordinator.invites.permissions import can_manage_feed

bp = Blueprint("feeds", __name__)


@bp.app_context_processor
def _feed_helpers() -> dict[str, Any]:
    """``calendar_feed_of(user)`` for the profile page's feed section."""
    return {"calendar_feed_of": feeds.live_feed}


@bp.post("/profile/calendar-feed")
@requires(is_signed_in)
def create_feed() -> Any:
    user = g.user
    require(can_manage_feed(user, user))
    feed, secret = feeds.create_feed(user, actor=user)
    db.session.commit()
    url = feeds.feed_url(secret)
    # The URL is on this response only: it is neither stored nor put in the session cookie.
    response = current_app.make_response(
        (
            render_template(
                "invites/feed_created.html",
                feed=feed,
                url=url,
                webcal_url="webcal://" + url.split("://", 1)[1],
            ),
            201,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/profile/calendar-feed/revoke")
@requires(is_signed_in)
def revoke_feed() -> Any:
    user = g.user
    require(can_manage_feed(user, user))
    if feeds.revoke_feeds(user, actor=user):
        db.session.commit()
        flash(
            "Your calendar feed URL is revoked; calendars subscribed to it stop updating.", "info"
        )
    else:
        flash("You had no calendar feed to revoke.", "info")
    return redirect(url_for("accounts.profile", _anchor="calendar-feed"), 303)


@bp.get("/feeds/<token>.ics")
@public
def show_feed(token: str) -> Any:
    """The feed; the secret in the URL is the credential (unknown or revoked: 404)."""
    user = feeds.user_for_secret(token)
    if user is None:
        raise NotFound("No such calendar feed.")
    response = Response(feeds.feed_calendar(user), content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="interviews.ics"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
