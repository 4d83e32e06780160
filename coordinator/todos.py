"""To-dos: what someone should do next, contributed by every domain.

Each domain keeps its to-dos in ``<domain>/todos.py``: a *provider* takes the viewer and "now" and
returns small :class:`ToDo` items of one :class:`Kind`. Providers register here when the app
starts (``register()`` in each ``todos.py``, called from ``create_app``), so this module imports no
domain and new work plugs in without touching the dashboard::

    SELF_SCHEDULING = Kind("self-scheduling-expired", "Self-scheduling requests that expired", 60)

    @provider(SELF_SCHEDULING)
    def expired_requests(viewer: User, now: datetime) -> list[ToDo]: ...

Self-scheduling (expired requests) and calendar sync (calendars that stopped syncing) plug in
this way. A provider decides from the viewer's roles whether it has anything for them (no query
when not) and runs a fixed number of queries however much data there is, so the dashboard's query
count does not grow. Links are an endpoint and its values, turned into a URL by the page: no
provider sees the request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from coordinator.accounts.models import User

#: Items one provider lists at most; more are counted as "at least".
SHOWN = 50


@dataclass(frozen=True)
class Kind:
    """A group of to-dos on the dashboard: ``key`` is also the section's HTML id."""

    key: str
    heading: str
    #: Groups are shown by ascending order.
    order: int
    #: "danger" marks groups that are late by definition (overdue, declined …).
    tone: str = ""


@dataclass(frozen=True)
class ToDo:
    """One thing to do: what, since or until when, and where it is resolved."""

    kind: Kind
    title: str
    endpoint: str
    values: dict[str, Any] = field(default_factory=dict)
    detail: str = ""
    #: When it must be done by (an interview's start, an assessment's due time) …
    due: datetime | None = None
    #: … or since when it has been waiting.
    since: datetime | None = None
    #: A short word shown as a badge ("Declined", "Overdue").
    badge: str = ""
    is_late: bool = False


@dataclass
class Group:
    kind: Kind
    items: list[ToDo]

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def is_cut(self) -> bool:
        """More may be waiting than are listed."""
        return len(self.items) >= SHOWN


Provider = Callable[[User, datetime], Iterable[ToDo]]

_providers: dict[tuple[str, str], tuple[Kind, Provider]] = {}


def provider(kind: Kind) -> Callable[[Provider], Provider]:
    """Register ``func`` as a source of ``kind`` to-dos (once per function, however often the
    app is created)."""

    def add(func: Provider) -> Provider:
        _providers[(func.__module__, func.__qualname__)] = (kind, func)
        return func

    return add


def providers() -> list[tuple[Kind, Provider]]:
    """The registered providers, in the order their groups are shown."""
    return sorted(_providers.values(), key=lambda pair: (pair[0].order, pair[0].key))


def compose(viewer: User, now: datetime) -> list[Group]:
    """Ask every provider for the viewer's to-dos; the non-empty groups, in display order."""
    groups: dict[str, Group] = {}
    for kind, func in providers():
        items = list(func(viewer, now))[:SHOWN]
        if items:
            groups.setdefault(kind.key, Group(kind, [])).items.extend(items)
    return list(groups.values())
