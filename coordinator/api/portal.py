"""The candidate's page link: a signed, expiring URL a recruiter sends to the candidate."""

from __future__ import annotations

from typing import Any

from flask import g
from pydantic import Field

from coordinator.access import require
from coordinator.api import bp
from coordinator.api.core import Out, endpoint
from coordinator.candidates.operations import get_candidacy
from coordinator.db import db
from coordinator.portal import operations
from coordinator.portal.permissions import can_issue_portal_link, can_issue_portal_links
from coordinator.timeutil import isoformat_z
from coordinator.urls import external_url


class PortalLinkOut(Out):
    url: str = Field(description="Absolute URL of the candidate's page (an HTML page).")
    expires_at: str = Field(description="UTC instant, ISO 8601 with Z, after which it is 410.")


@endpoint(
    bp,
    "POST",
    "/candidacies/<int:candidacy_id>/portal-link",
    summary="Issue the candidate's signed page link",
    description=(
        "A fresh link each call; earlier links keep working until they expire. The page answers "
        "`404` when the link is altered and `410` once it expires or the candidacy closes. A "
        "closed candidacy gets no link: `409` with conflict kind `candidacy_closed`."
    ),
    allow=can_issue_portal_links,
    response=PortalLinkOut,
    status=201,
    errors=(409,),
    tag="candidates",
)
def issue_portal_link(candidacy_id: int) -> Any:
    candidacy = get_candidacy(candidacy_id)
    require(can_issue_portal_link(g.user, candidacy))
    link = operations.issue_link(candidacy, actor=g.user)
    db.session.commit()
    return PortalLinkOut(
        url=external_url("portal.show_portal", token=link.token),
        expires_at=isoformat_z(link.expires_at) or "",
    )
