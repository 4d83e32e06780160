"""Users."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import sqlalchemy as sa
from flask import g
from pydantic import Field, StringConstraints

from coordinator.access import require
from coordinator.accounts import operations
from coordinator.accounts.models import Role, User, UserRole
from coordinator.accounts.permissions import (
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
    password: Annotated[str, StringConstraints(strip_whitespace=False, min_length=10,
                                               max_length=1000)] | None = Field(
        None, description="Lets the user sign in to the pages; omit for API-only users."
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
          description="Admins edit anyone and may set `roles` and `is_active`; others edit their "
                      "own profile fields only (`403` otherwise).")
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
