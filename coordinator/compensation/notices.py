"""Mail about compensation: a proposal waits for approval.

The message names the candidate, the job and who proposed, and links to the stage page; it
never carries figures (mail is kept in the outbox and in mailboxes beyond our access rules).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, render_template

from coordinator.accounts.models import User
from coordinator.compensation.models import Proposal
from coordinator.mail import messages, outbox
from coordinator.urls import external_url, mail_domain

APPROVAL_NEEDED = "compensation_approval_needed"


def approval_needed(proposal: Proposal, recipients: Iterable[User]) -> int:
    """Ask each recipient to approve or refuse ``proposal``; returns how many were queued."""
    candidacy = proposal.stage.candidacy
    config = current_app.config
    context = {
        "candidate": candidacy.candidate,
        "job": candidacy.job,
        "proposer": proposal.proposed_by,
        "url": external_url("compensation.show_stage", candidacy_id=candidacy.id),
    }
    queued = 0
    for user in recipients:
        message = messages.compose(
            sender=messages.address(config["MAIL_FROM"], config.get("MAIL_FROM_NAME", "")),
            recipient=messages.address(user.email, user.name),
            subject=f"Approval needed: pay proposal for {candidacy.candidate.name} "
            f"({candidacy.job.title})",
            text=render_template(f"email/{APPROVAL_NEEDED}.txt", recipient=user, **context),
            html=render_template(f"email/{APPROVAL_NEEDED}.html", recipient=user, **context),
            domain=mail_domain(),
        )
        key = f"{APPROVAL_NEEDED}:{proposal.id}:{user.id}"
        if outbox.enqueue(message, kind=APPROVAL_NEEDED, dedupe_key=key) is not None:
            queued += 1
    return queued
