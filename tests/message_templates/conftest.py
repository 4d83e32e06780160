"""Candidate mail wording: the invite fixtures (frozen clock, a round, its people, booking)."""

from tests.invites.conftest import booked, people  # noqa: F401
from tests.scheduling.conftest import (  # noqa: F401
    at,
    book,
    frozen_now,
    make_round,
    panelists,
    plan,
)
