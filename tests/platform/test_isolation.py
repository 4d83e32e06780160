"""Each test sees an empty database, whatever the previous test committed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.db import db


@pytest.mark.parametrize("attempt", [1, 2])
def test_committed_rows_do_not_leak_into_the_next_test(app, make_user, client, attempt):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    make_user(email="same@example.com")
    # a request commits in its own session on the same connection
    client.get("/login")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
