"""Portal operations: issue a candidate's page link, record the availability they give."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from coordinator.accounts.models import User
from coordinator.audit.operations import record
from coordinator.candidates import links
from coordinator.candidates.models import Candidacy
from coordinator.errors import Conflict
from coordinator.portal import notices
from coordinator.scheduling import availability
from coordinator.scheduling.models import AvailabilitySource, CandidateAvailability


def issue_link(candidacy: Candidacy, *, actor: User) -> links.PortalLink:
    """A fresh signed link to the candidate's page; refused once the candidacy is closed.

    The link is not stored (it is signed, not looked up); the audit row says who handed one out
    and until when it works.
    """
    if candidacy.is_closed:
        raise Conflict(
            f"The candidacy is {candidacy.state.title.lower()}: its candidate's page is closed.",
            [
                {
                    "kind": "candidacy_closed",
                    "detail": "a closed candidacy's page link would not open",
                    "state": candidacy.state.value,
                }
            ],
        )
    link = links.issue(candidacy)
    record(
        actor,
        "candidacy.portal_link_issued",
        candidacy,
        candidacy_id=candidacy.id,
        expires_at=link.expires_at.isoformat(),
    )
    return link


def give_availability(
    candidacy: Candidacy, windows: Sequence[tuple[datetime, datetime]]
) -> list[CandidateAvailability]:
    """The candidate's own windows for the next round; they replace the earlier ones, and the
    candidacy's recruiters are mailed (:mod:`.notices`)."""
    saved = availability.set_candidate_availability(
        candidacy, availability.merge(windows), actor=None, source=AvailabilitySource.candidate
    )
    if saved:
        notices.availability_given(candidacy, len(saved))
    return saved
