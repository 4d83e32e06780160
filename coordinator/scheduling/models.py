from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.accounts.models import User
from coordinator.candidates.models import Candidacy
from coordinator.db import TitledEnum, UTCDateTime, db, enum_column
from coordinator.jobs.models import PlannedRound, Relationship, RoundKind
from coordinator.timeutil import utcnow


class RoundState(TitledEnum):
    open = "open", "Open"
    done = "done", "Done"
    cancelled = "cancelled", "Cancelled"


class InterviewState(TitledEnum):
    scheduled = "scheduled", "Scheduled"
    cancelled = "cancelled", "Cancelled"


class InviteResponse(TitledEnum):
    """A person's answer to an invite (iCalendar PARTSTAT, lower-case with underscores)."""

    needs_action = "needs_action", "No answer yet"
    accepted = "accepted", "Accepted"
    tentative = "tentative", "Tentative"
    declined = "declined", "Declined"


#: The answers a person can give (``needs_action`` is where everyone starts).
ANSWERS = (InviteResponse.accepted, InviteResponse.tentative, InviteResponse.declined)


class AvailabilitySource(TitledEnum):
    recruiter = "recruiter", "Recorded by a recruiter"
    candidate = "candidate", "Given by the candidate"


class BusySource(TitledEnum):
    uploaded = "uploaded", "Imported from a file or the API"
    synced = "synced", "Synced from the person's calendar source"


class CalendarSourceKind(TitledEnum):
    ics_url = "ics_url", "Secret iCalendar address"
    caldav = "caldav", "CalDAV calendar"


class Round(db.Model):
    """One stage of a candidacy, made from a planned round; holds one or more interviews."""

    __tablename__ = "rounds"
    __table_args__ = (
        sa.UniqueConstraint("candidacy_id", "planned_round_id"),
        # Covering on PostgreSQL: a shortlist reads a job's rounds from the index alone.
        sa.Index(
            "ix_rounds_candidacy_id", "candidacy_id", postgresql_include=["id", "planned_round_id"]
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidacies.id", ondelete="CASCADE")
    )
    planned_round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("planned_rounds.id", ondelete="RESTRICT"), index=True
    )
    state: Mapped[RoundState] = mapped_column(
        enum_column(RoundState, "round_state"), default=RoundState.open
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    candidacy: Mapped[Candidacy] = orm.relationship()
    planned_round: Mapped[PlannedRound] = orm.relationship()
    interviews: Mapped[list[Interview]] = orm.relationship(
        back_populates="round", order_by="(Interview.starts_at, Interview.id)"
    )

    @property
    def title(self) -> str:
        return self.planned_round.title

    @property
    def kind(self) -> RoundKind:
        return self.planned_round.kind

    @property
    def position(self) -> int:
        return self.planned_round.position


class Interview(db.Model):
    """One meeting of a round: a time in UTC, a display zone, a place or video link, a panel."""

    __tablename__ = "interviews"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        sa.CheckConstraint(
            "(state = 'cancelled') = (cancelled_at IS NOT NULL)", name="cancelled_has_time"
        ),
        # Candidate overlap checks look up a candidate's interviews near a time.
        sa.Index("ix_interviews_candidate_starts", "candidate_id", "starts_at"),
        sa.CheckConstraint(
            "(candidate_response = 'needs_action') = (candidate_responded_at IS NULL)",
            name="candidate_response_has_time",
        ),
        # Covering on PostgreSQL: a shortlist reads its rounds' interviews from the index alone.
        sa.Index(
            "ix_interviews_round_id",
            "round_id",
            postgresql_include=["id", "state", "starts_at", "ends_at"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"))
    #: Denormalised from the candidacy, so overlap checks across jobs need no joins.
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidates.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The zone the coordinator scheduled in; pages show each viewer's own zone too.
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    location: Mapped[str] = mapped_column(sa.String(300), default="")
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    #: A session's own title within its round (an interview day's "System design"); empty for
    #: a round's single interview, which goes by the round's title.
    title: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    state: Mapped[InterviewState] = mapped_column(
        enum_column(InterviewState, "interview_state"), default=InterviewState.scheduled
    )
    #: iCalendar SEQUENCE: rises on every change of time, place or panel, and on cancel.
    sequence: Mapped[int] = mapped_column(default=0)
    is_recorded_past: Mapped[bool] = mapped_column(default=False)
    relationships_override_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    #: Who booked it: told when the panel's assessments are late.
    scheduled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The candidate's answer to their invite (an iMIP REPLY or the portal).
    candidate_response: Mapped[InviteResponse] = mapped_column(
        enum_column(InviteResponse, "candidate_response"), default=InviteResponse.needs_action
    )
    candidate_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    candidate_response_comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    round: Mapped[Round] = orm.relationship(back_populates="interviews")
    panel: Mapped[list[PanelMember]] = orm.relationship(
        back_populates="interview",
        cascade="all, delete-orphan",
        order_by="PanelMember.id",
    )

    @property
    def display_title(self) -> str:
        """The round's title, with the session's after it when the interview has its own
        ("Onsite — System design")."""
        return f"{self.round.title} — {self.title}" if self.title else self.round.title

    @property
    def is_cancelled(self) -> bool:
        return self.state is InterviewState.cancelled

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class PanelMember(db.Model):
    """One interviewer's seat on an interview, with their relationship to the role.

    The interview's times and state are copied here so that "is this person busy then?" is one
    index range scan on (user_id, starts_at).
    """

    __tablename__ = "panel_members"
    __table_args__ = (
        sa.UniqueConstraint("interview_id", "user_id"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index("ix_panel_members_user_starts", "user_id", "starts_at"),
        sa.CheckConstraint(
            "(response = 'needs_action') = (responded_at IS NULL)", name="response_has_time"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(
        sa.ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    relationship: Mapped[Relationship] = mapped_column(
        enum_column(Relationship, "panel_relationship")
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    is_active: Mapped[bool] = mapped_column(default=True)
    #: The interviewer's answer to their invite (an iMIP REPLY, the interview page or the API).
    response: Mapped[InviteResponse] = mapped_column(
        enum_column(InviteResponse, "panel_response"), default=InviteResponse.needs_action
    )
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_comment: Mapped[str] = mapped_column(sa.String(1000), default="")

    interview: Mapped[Interview] = orm.relationship(back_populates="panel")
    user: Mapped[User] = orm.relationship()


class WorkingHours(db.Model):
    """When a user can meet on a weekday, in minutes from local midnight in their zone."""

    __tablename__ = "working_hours"
    __table_args__ = (
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_in_range"),
        sa.CheckConstraint(
            "start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute",
            name="minutes_in_range",
        ),
        sa.UniqueConstraint("user_id", "weekday", "start_minute"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    start_minute: Mapped[int]
    end_minute: Mapped[int]


class BusyBlock(db.Model):
    """Time a person cannot meet, imported from their calendar."""

    __tablename__ = "busy_blocks"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # Covering: the slot finder reads (user, start, end) of a range from the index alone.
        sa.Index("ix_busy_blocks_user_starts_ends", "user_id", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Uploaded and synced busy time are replaced separately: a sync never wipes an upload.
    source: Mapped[BusySource] = mapped_column(
        enum_column(BusySource, "busy_source"), default=BusySource.uploaded,
        server_default=BusySource.uploaded.value,
    )


class CalendarSource(db.Model):
    """A user's own calendar that busy time is synced from (one per user)."""

    __tablename__ = "calendar_sources"
    __table_args__ = (
        sa.CheckConstraint("kind = 'caldav' OR password_encrypted IS NULL",
                           name="password_only_for_caldav"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[CalendarSourceKind] = mapped_column(
        enum_column(CalendarSourceKind, "calendar_source_kind")
    )
    url: Mapped[str] = mapped_column(sa.String(2000))
    username: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Fernet token of the password (never the password itself).
    password_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    #: What the server said last time, to ask "changed since?" (ETag, Last-Modified, CTag).
    etag: Mapped[str | None] = mapped_column(sa.String(500))
    last_modified: Mapped[str | None] = mapped_column(sa.String(100))
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(2000))
    next_sync_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = orm.relationship()


class CandidateAvailability(db.Model):
    """A window the candidate can do, for a candidacy's next round."""

    __tablename__ = "candidate_availability"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index("ix_candidate_availability_candidacy_starts", "candidacy_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(sa.ForeignKey("candidacies.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[AvailabilitySource] = mapped_column(
        enum_column(AvailabilitySource, "availability_source")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
