"""Signed, expiring links that let a candidate reach their own candidacy without an account.

A link carries the candidacy id and an expiry, signed with the app's secret key (itsdangerous,
HMAC-SHA1 by default over a salted key). An altered link fails the signature (404, revealing
nothing); an expired one, or one whose candidacy is closed, is 410.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from coordinator.candidates.models import Candidacy
from coordinator.db import db
from coordinator.errors import Gone, NotFound
from coordinator.timeutil import UTC, utcnow

SALT = "candidate-portal-v1"
DEFAULT_DAYS = 45


@dataclass(frozen=True)
class PortalLink:
    token: str
    expires_at: datetime


@functools.lru_cache(maxsize=4)
def _serializer_for(secret_key: str | bytes) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def _serializer() -> URLSafeSerializer:
    """The app's link serializer (built once per secret key: building one runs a trial dump)."""
    return _serializer_for(current_app.config["SECRET_KEY"])


def issue(
    candidacy: Candidacy, *, days: int | None = None, until: datetime | None = None
) -> PortalLink:
    """A link that works for ``days`` (the configured lifetime by default), and at least
    ``until`` when that is later (mail about an interview: until a week after it)."""
    lifetime = timedelta(days=days or current_app.config.get("PORTAL_LINK_DAYS", DEFAULT_DAYS))
    expires_at = utcnow() + lifetime
    if until is not None and until > expires_at:
        expires_at = until
    expires_at = expires_at.replace(microsecond=0)
    token = _serializer().dumps({"c": candidacy.id, "e": int(expires_at.timestamp())})
    return PortalLink(token=token, expires_at=expires_at)


#: The page shows the candidate, the job and the recruiter: loaded with the candidacy in one
#: statement (the options are built once; building them costs more than the query's compile).
_PAGE_SHOWS = (
    sa.orm.joinedload(Candidacy.candidate),
    sa.orm.joinedload(Candidacy.job),
    sa.orm.joinedload(Candidacy.recruiter),
)
#: ... and the statement too (a statement object keeps its cache key between runs).
_CANDIDACY_BY_ID = (
    sa.select(Candidacy).where(Candidacy.id == sa.bindparam("id")).options(*_PAGE_SHOWS)
)


def resolve(token: str) -> Candidacy:
    """The candidacy a link opens; NotFound when altered, Gone when expired or closed."""
    if len(token) > 500:
        raise NotFound("No such page.")
    try:
        payload = _serializer().loads(token)
        candidacy_id, expires = int(payload["c"]), int(payload["e"])
    except (BadSignature, KeyError, TypeError, ValueError) as err:
        raise NotFound("No such page.") from err
    if datetime.fromtimestamp(expires, UTC) <= utcnow():
        raise Gone("This link has expired. Ask your recruiter for a new one.")
    candidacy = db.session.scalars(_CANDIDACY_BY_ID, {"id": candidacy_id}).first()
    if candidacy is None:
        raise NotFound("No such page.")
    if candidacy.is_closed:
        raise Gone("This application is closed, so this page is no longer available.")
    return candidacy
