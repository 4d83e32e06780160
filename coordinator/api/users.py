"""Users."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from flask import Response, g
from pydantic import Field, StringConstraints

from coordinator.access import require
from coordinator.accounts import email_change, operations, passwords
from coordinator.accounts.models import Role, User, UserRole
from coordinator.accounts.permissions import (
    can_change_email,
    can_edit_user,
    can_list_users,
    can_manage_users,
    can_view_user,
    is_signed_in,
)
from coordinator.api import bp
from coordinator.api.core import Out, PageOf, PageQuery, Schema, endpoint, paginate
from coordinator.api.schemas import TimeZone
from coordinator.db import db
from coordinator.errors import NotFound
from coordinator.invites import feeds
from coordinator.invites.permissions import can_manage_feed
from coordinator.scheduling import calendar_sources
from coordinator.scheduling.models import CalendarSource, CalendarSourceKind
from coordinator.scheduling.permissions import (
    can_manage_calendar_source,
    can_sync_calendar_source,
)

RoleName = Literal["admin", "recruiter", "hiring_manager", "interviewer"]


class UserIn(Schema):
    multi_line = frozenset({"bio"})

    email: Annotated[str, Field(min_length=3, max_length=254)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    job_title: Annotated[str, Field(max_length=200)] = ""
    bio: Annotated[str, Field(max_length=1000)] = ""
    time_zone: TimeZone = "UTC"
    roles: Annotated[list[RoleName], Field(min_length=1, max_length=4)]
    # Kept exactly as sent: a password's spaces are part of it.
    password: Annotated[str, StringConstraints(strip_whitespace=False,
                                               min_length=passwords.MIN_LENGTH,
                                               max_length=passwords.MAX_LENGTH)] | None = Field(
        None, description="Lets the user sign in to the pages; omit for API-only users. At "
                          f"least {passwords.MIN_LENGTH} characters and not a common password."
    )


class UserPatch(Schema):
    multi_line = frozenset({"bio"})

    email: Annotated[str, Field(min_length=3, max_length=254)] | None = None
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    job_title: Annotated[str, Field(max_length=200)] | None = None
    bio: Annotated[str, Field(max_length=1000)] | None = None
    time_zone: TimeZone | None = None
    roles: Annotated[list[RoleName], Field(min_length=1, max_length=4)] | None = None
    is_active: bool | None = None


class UserOut(Out):
    id: int
    email: str
    name: str
    job_title: str
    bio: str
    time_zone: str
    roles: list[RoleName]
    is_active: bool

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(id=user.id, email=user.email, name=user.name, job_title=user.job_title,
                   bio=user.bio, time_zone=user.time_zone,
                   roles=sorted(r.value for r in user.roles), is_active=user.is_active)


class UserListQuery(PageQuery):
    role: RoleName | None = None
    q: Annotated[str, Field(max_length=200)] | None = None


@endpoint(bp, "GET", "/users", summary="List users", allow=can_list_users, query=UserListQuery,
          response=PageOf[UserOut], paginated=True, tag="users")
def list_users(query: UserListQuery) -> Any:
    statement = operations.search_users(query.q or "")
    if query.role:
        statement = statement.where(
            User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == Role(query.role)))
        )
    return paginate(statement, query, UserOut.of)


@endpoint(bp, "POST", "/users", summary="Create a user", allow=can_manage_users, body=UserIn,
          response=UserOut, status=201, errors=(409,), tag="users")
def create_user(body: UserIn) -> Any:
    user = operations.create_user(
        actor=g.user, email=body.email, name=body.name, job_title=body.job_title, bio=body.bio,
        time_zone=body.time_zone, roles={Role(r) for r in body.roles}, password=body.password,
    )
    db.session.commit()
    return UserOut.of(user)


@endpoint(bp, "GET", "/users/me", summary="The user the token belongs to", allow=is_signed_in,
          response=UserOut, tag="users")
def show_me() -> Any:
    return UserOut.of(g.user)


@endpoint(bp, "GET", "/users/<int:user_id>", summary="Get a user (admins, recruiters, self)",
          allow=is_signed_in, response=UserOut, tag="users")
def show_user(user_id: int) -> Any:
    user = operations.get_user(user_id)
    require(can_view_user(g.user, user))
    return UserOut.of(user)


@endpoint(bp, "PATCH", "/users/<int:user_id>",
          summary="Edit a user (self: profile fields; admin: also roles and active flag)",
          allow=is_signed_in, body=UserPatch, response=UserOut, errors=(409,),
          tag="users",
          description="Admins edit anyone and may set `roles`, `is_active` and `email`; others "
                      "edit their own profile fields only (`403` otherwise, also for `email`: "
                      "users change their own address with `POST /users/{id}/email-change`, "
                      "which asks for their password and confirms the new address by mail).")
def update_user(user_id: int, body: UserPatch) -> Any:
    user = operations.get_user(user_id)
    require(can_edit_user(g.user, user))
    operations.update_user(
        user, actor=g.user, email=body.email, name=body.name, job_title=body.job_title,
        bio=body.bio, time_zone=body.time_zone,
        roles={Role(r) for r in body.roles} if body.roles is not None else None,
        is_active=body.is_active,
    )
    db.session.commit()
    return UserOut.of(user)


class EmailChangeIn(Schema):
    email: Annotated[str, Field(min_length=3, max_length=254)]
    # Kept exactly as sent: a password's spaces are part of it.
    current_password: Annotated[str, StringConstraints(strip_whitespace=False, min_length=1,
                                                       max_length=passwords.MAX_LENGTH)]


class EmailChangeOut(Out):
    sent_to: str = Field(description="The new address, which was sent a message: a link to "
                                     "confirm the change, or why the address cannot be used.")


@endpoint(bp, "POST", "/users/<int:user_id>/email-change",
          summary="Ask to change one's own email (self only)", allow=is_signed_in,
          body=EmailChangeIn, response=EmailChangeOut, tag="users",
          description="Needs the current password. The answer is the same whether or not the "
                      "address already has an account: the new address gets a message with a "
                      "confirmation link (valid 24 hours), or one saying why nothing changed. "
                      "Another user's id is `403`.")
def request_email_change(user_id: int, body: EmailChangeIn) -> Any:
    user = operations.get_user(user_id)
    require(can_change_email(g.user, user))
    sent_to = email_change.request_email_change(user, actor=g.user, new_email=body.email,
                                                current_password=body.current_password)
    db.session.commit()
    return EmailChangeOut(sent_to=sent_to)


class FeedOut(Out):
    url: str = Field(description="The private calendar feed address (an `.ics` subscription); "
                                 "shown only now. Any earlier address of the user stops working.")


@endpoint(bp, "POST", "/users/<int:user_id>/feed",
          summary="Make a new private calendar feed address (self, admin)", allow=is_signed_in,
          response=FeedOut, status=201, tag="users",
          description="The user's interviews as an iCalendar subscription. The old address, if "
                      "any, stops working.")
def create_feed(user_id: int) -> Any:
    user = operations.get_user(user_id)
    require(can_manage_feed(g.user, user))
    _feed, secret = feeds.create_feed(user, actor=g.user)
    db.session.commit()
    return FeedOut(url=feeds.feed_url(secret))


@endpoint(bp, "DELETE", "/users/<int:user_id>/feed",
          summary="Revoke the private calendar feed address (self, admin)", allow=is_signed_in,
          status=204, tag="users",
          description="`204` also when there was no live feed.")
def revoke_feed(user_id: int) -> Any:
    user = operations.get_user(user_id)
    require(can_manage_feed(g.user, user))
    feeds.revoke_feeds(user, actor=g.user)
    db.session.commit()
    return Response(status=204)


CalendarSourceKindName = Literal["ics_url", "caldav"]


class CalendarSourceIn(Schema):
    kind: CalendarSourceKindName
    url: Annotated[str, Field(min_length=1, max_length=2000)]
    username: Annotated[str, Field(max_length=200)] = ""
    # Kept exactly as sent; omitted on a replace keeps the stored one (same address and user).
    password: Annotated[str | None, StringConstraints(strip_whitespace=False, min_length=1,
                                                      max_length=500)] = None


class CalendarSourceOut(Out):
    kind: CalendarSourceKindName
    url: str
    username: str
    last_synced_at: datetime | None = Field(description="The last sync that succeeded.")
    last_error: str | None = Field(description="Why the last attempt failed; `null` when it "
                                               "succeeded. Busy time from the last good sync "
                                               "stays in use.")
    busy_blocks: int = Field(description="Busy periods this source currently gives.")

    @classmethod
    def of(cls, source: CalendarSource) -> CalendarSourceOut:
        return cls(kind=source.kind.value, url=source.url, username=source.username,
                   last_synced_at=source.last_synced_at, last_error=source.last_error,
                   busy_blocks=calendar_sources.synced_block_count(source.user))


def _source(user: User) -> CalendarSource:
    source = calendar_sources.source_of(user)
    if source is None:
        raise NotFound("This user has no calendar source.")
    return source


@endpoint(bp, "GET", "/users/<int:user_id>/calendar-source",
          summary="The user's calendar source (self, admin)", allow=is_signed_in,
          response=CalendarSourceOut, tag="users",
          description="The password is never returned. `404` when none is connected.")
def show_calendar_source(user_id: int) -> Any:
    user = operations.get_user(user_id)
    require(can_manage_calendar_source(g.user, user))
    return CalendarSourceOut.of(_source(user))


@endpoint(bp, "PUT", "/users/<int:user_id>/calendar-source",
          summary="Connect or replace the user's calendar source (self, admin)",
          allow=is_signed_in, body=CalendarSourceIn, response=CalendarSourceOut, tag="users",
          description="`ics_url`: a secret iCalendar address (no user name or password). "
                      "`caldav`: a CalDAV calendar's address with a user name and an app "
                      "password, stored encrypted. The source is synced by `sync-calendars` "
                      "(or `POST .../calendar-source/sync`).")
def put_calendar_source(user_id: int, body: CalendarSourceIn) -> Any:
    user = operations.get_user(user_id)
    require(can_manage_calendar_source(g.user, user))
    source = calendar_sources.set_source(
        user, actor=g.user, kind=CalendarSourceKind(body.kind), url=body.url,
        username=body.username, password=body.password)
    db.session.commit()
    return CalendarSourceOut.of(source)


@endpoint(bp, "DELETE", "/users/<int:user_id>/calendar-source",
          summary="Disconnect the user's calendar source and drop its busy time (self, admin)",
          allow=is_signed_in, status=204, tag="users",
          description="Uploaded busy time stays. `204` also when none was connected.")
def delete_calendar_source(user_id: int) -> Any:
    user = operations.get_user(user_id)
    require(can_manage_calendar_source(g.user, user))
    calendar_sources.remove_source(user, actor=g.user)
    db.session.commit()
    return Response(status=204)


@endpoint(bp, "POST", "/users/<int:user_id>/calendar-source/sync",
          summary="Sync the user's calendar source now (self, admin, recruiter)",
          allow=is_signed_in, response=CalendarSourceOut, tag="users",
          description="`200` with the source after one sync; a failed sync keeps the last good "
                      "busy time and says why in `last_error`.")
def sync_calendar_source(user_id: int) -> Any:
    user = operations.get_user(user_id)
    require(can_sync_calendar_source(g.user, user))
    source = calendar_sources.sync_source(_source(user), actor=g.user)
    db.session.commit()
    return CalendarSourceOut.of(source)
