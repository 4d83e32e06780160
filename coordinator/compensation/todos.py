"""The compensation to-dos: pay proposals waiting for the viewer's approval.

The same people are asked as :func:`.operations.approvers` mails: the job's hiring manager unless
they proposed it; otherwise (or without an active one) the admins; never the proposer.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from coordinator.accounts.models import Role, User
from coordinator.candidates.models import CLOSED_STATES, Candidacy
from coordinator.compensation.models import Approval, CompensationStage, Proposal, StageState
from coordinator.compensation.operations import approval_of
from coordinator.db import db
from coordinator.jobs.models import Job
from coordinator.todos import SHOWN, Kind, ToDo, provider

APPROVALS = Kind("approvals", "Pay proposals waiting for your approval", 25)


def _asks(viewer: User) -> sa.ColumnElement[bool]:
    """The condition on ``Proposal`` joined with its ``Job``: the viewer is asked to approve."""
    not_theirs = sa.or_(Proposal.proposed_by_id.is_(None), Proposal.proposed_by_id != viewer.id)
    asked = [Job.hiring_manager_id == viewer.id]
    if viewer.has_role(Role.admin):
        inactive = sa.select(User.id).where(User.is_active.is_(False))
        asked.append(
            sa.or_(
                Job.hiring_manager_id.is_(None),
                Job.hiring_manager_id == Proposal.proposed_by_id,
                Job.hiring_manager_id.in_(inactive),
            )
        )
    return sa.and_(not_theirs, sa.or_(*asked))


def approvals(viewer: User, now: datetime) -> list[ToDo]:
    """Current proposals of open stages that wait for the viewer's approval, oldest first."""
    if not viewer.has_role(Role.admin, Role.hiring_manager):
        return []
    newest = (
        sa.select(Proposal.stage_id, sa.func.max(Proposal.position).label("position"))
        .group_by(Proposal.stage_id)
        .subquery()
    )
    proposals = db.session.scalars(
        sa.select(Proposal)
        .join(newest, sa.and_(newest.c.stage_id == Proposal.stage_id,
                              newest.c.position == Proposal.position))
        .join(CompensationStage, CompensationStage.id == Proposal.stage_id)
        .join(Candidacy, Candidacy.id == CompensationStage.candidacy_id)
        .join(Job, Job.id == Candidacy.job_id)
        .where(
            Proposal.approval == Approval.pending,
            CompensationStage.state == StageState.open,
            Candidacy.state.not_in(CLOSED_STATES),
            _asks(viewer),
        )
        .options(
            sa.orm.contains_eager(Proposal.stage).contains_eager(CompensationStage.candidacy)
            .options(sa.orm.joinedload(Candidacy.candidate), sa.orm.contains_eager(Candidacy.job)),
            sa.orm.joinedload(Proposal.proposed_by),
        )
        .order_by(Proposal.proposed_at, Proposal.id)
        .limit(SHOWN)
    ).unique()
    found = []
    for proposal in proposals:
        # The band as it stands now decides whether approval is still needed.
        if approval_of(proposal) is not Approval.pending:
            continue
        candidacy = proposal.stage.candidacy
        found.append(
            ToDo(
                APPROVALS,
                candidacy.candidate.name,
                "compensation.show_stage",
                {"candidacy_id": candidacy.id},
                detail=candidacy.job.title
                + (f", proposed by {proposal.proposed_by.name}" if proposal.proposed_by else ""),
                since=proposal.proposed_at,
            )
        )
    return found


def register() -> None:
    provider(APPROVALS)(approvals)
