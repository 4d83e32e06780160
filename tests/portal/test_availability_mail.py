"""When a candidate gives their availability, the candidacy's recruiters are mailed."""

from __future__ import annotations

import sqlalchemy as sa

from coordinator.db import db
from coordinator.mail.models import OutboxMessage
from coordinator.portal.notices import AVAILABILITY_GIVEN
from tests.portal.conftest import portal_path
from tests.portal.test_availability import rows


def _mails() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.kind == AVAILABILITY_GIVEN)
            .order_by(OutboxMessage.id)
        )
    )


def test_giving_availability_mails_only_the_recruiter_of_the_candidacy(
    client, scene, recruiter, make_user
):
    make_user(("recruiter",))  # neither opened nor booked anything of it
    client.post(f"{portal_path(scene.candidacy)}/availability",
                data=rows(("2027-03-08", "09:00", "12:00")))
    mails = _mails()
    assert [m.recipient for m in mails] == [recruiter.email]
    assert "Nora Newyork" in mails[0].subject
    assert f"/candidacies/{scene.candidacy.id}/availability" in mails[0].raw.decode()
