"""Access policy for every endpoint: each view declares who may reach it.

``@requires(predicate)`` lets a signed-in user through when ``predicate(user)`` holds; object-level
checks (``can_<verb>(user, obj)``) then run inside the view after loading the object through its
parents. ``@public`` marks the few endpoints anyone may reach. A test walks ``app.url_map``
and fails for any endpoint that declares neither.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import g, request
from flask_login import current_user

from coordinator.errors import DomainError, PermissionDenied

if TYPE_CHECKING:
    from coordinator.accounts.models import User

POLICY_ATTR = "access_policy"
F = TypeVar("F", bound=Callable[..., Any])


class Unauthenticated(DomainError):
    status = 401
    title = "Authentication required"


def is_api_request() -> bool:
    return bool(request.blueprint and request.blueprint.split(".")[0] == "api")


def current_actor() -> User | None:
    """The user acting in this request: the bearer token's on the API, the session's on pages."""
    if is_api_request():
        return g.get("api_user")
    if current_user.is_authenticated:
        return current_user._get_current_object()  # type: ignore[no-any-return]
    return None


def require(allowed: bool, message: str = "You are not allowed to do that.") -> None:
    """Raise PermissionDenied unless ``allowed`` (the result of a named predicate)."""
    if not allowed:
        raise PermissionDenied(message)


def public(view: F) -> F:
    """Anyone may reach this endpoint (sign-in, the candidate portal with its signed link, ...)."""
    setattr(view, POLICY_ATTR, "public")
    return view


def requires(predicate: Callable[[User], bool]) -> Callable[[F], F]:
    """A signed-in user for whom ``predicate(user)`` holds; 401 without a user, 403 otherwise."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_actor()
            if user is None or not user.is_active:
                raise Unauthenticated("Sign in to continue.")
            if not predicate(user):
                raise PermissionDenied("Your role does not allow this.")
            g.user = user
            return view(*args, **kwargs)

        setattr(wrapper, POLICY_ATTR, predicate.__name__)
        return wrapper  # type: ignore[return-value]

    return decorate


def policy_of(view: Callable[..., Any]) -> str | None:
    return getattr(view, POLICY_ATTR, None)
