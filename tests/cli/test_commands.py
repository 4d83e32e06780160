"""The command line (``flask --app wsgi ...``) run through the test app's CLI runner.

The commands commit with ``db.session.commit()``; the test's outer transaction still rolls it back.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coordinator import demo
from coordinator.accounts import passwords
from coordinator.accounts.models import Role, User
from coordinator.candidates.models import Candidacy, Candidate
from coordinator.db import db
from coordinator.jobs.models import Job

PASSWORD = "a-long-enough-password"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=list(args))

    return invoke


def create_user_args(email: str = "rita@example.com", *extra: str) -> list[str]:
    return ["create-user", "--email", email, "--name", "Rita Recruiter", "--password", PASSWORD,
            "--role", "recruiter", "--role", "interviewer", *extra]


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_create_user_stores_a_hashed_password_and_the_roles(cli):
    result = cli(*create_user_args("Rita@Example.com", "--time-zone", "Europe/Berlin"))

    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "rita@example.com"))
    assert user is not None
    assert user.roles == {Role.recruiter, Role.interviewer}
    assert user.time_zone == "Europe/Berlin"
    assert user.password_hash and PASSWORD not in user.password_hash
    assert passwords.verify_password(user.password_hash, PASSWORD)
    assert "rita@example.com" in result.output


def test_created_user_can_sign_in(cli, client):
    assert cli(*create_user_args()).exit_code == 0

    response = client.post("/login", data={"email": "rita@example.com", "password": PASSWORD})

    assert response.status_code == 303


def test_create_user_with_a_taken_email_fails_clearly(cli):
    assert cli(*create_user_args()).exit_code == 0

    result = cli(*create_user_args())

    assert result.exit_code != 0
    assert "already exists" in result.output
    assert count(User) == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--time-zone", "Mars/Olympus"], "“Mars/Olympus” is not a known IANA time zone."),
        (["--role", "astronaut"], "'astronaut' is not one of"),
    ],
    ids=["bad zone", "bad role"],
)
def test_create_user_with_bad_input_fails_clearly_without_creating(cli, extra, message):
    result = cli(*create_user_args("zone@example.com", *extra))

    assert result.exit_code != 0
    assert message in result.output
    assert count(User) == 0


def test_create_user_with_a_short_password_fails_clearly(cli):
    result = cli("create-user", "--email", "short@example.com", "--name", "Short",
                 "--password", "short", "--role", "admin")

    assert result.exit_code != 0
    assert "at least" in result.output
    assert count(User) == 0


def test_create_token_prints_the_token_alone_on_its_last_line(cli, recruiter):
    result = cli("create-token", recruiter.email)

    assert result.exit_code == 0, result.output
    last_line = result.stdout.rstrip("\n").splitlines()[-1]
    assert last_line == last_line.strip() and " " not in last_line
    assert last_line.startswith("ict_")


def test_created_token_works_as_a_bearer_token(cli, client, recruiter):
    token = cli("create-token", recruiter.email).stdout.rstrip("\n").splitlines()[-1]

    response = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200, response.json
    assert response.json["items"] == []


def test_create_token_for_an_unknown_email_fails(cli):
    result = cli("create-token", "nobody@example.com")

    assert result.exit_code != 0
    assert "No active user with email nobody@example.com" in result.output


def test_seed_demo_loads_demo_data_into_an_empty_database(cli):
    result = cli("seed-demo")

    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output
    assert count(User) == len(demo.USERS)
    assert count(Job) == 2
    assert count(Candidate) == len(demo.CANDIDATES)
    assert count(Candidacy) > 0
    for email, *_ in demo.USERS:
        assert email in result.output


def test_seed_demo_does_nothing_the_second_time(cli):
    assert cli("seed-demo").exit_code == 0
    before = (count(User), count(Job), count(Candidate), count(Candidacy))

    result = cli("seed-demo")

    assert result.exit_code == 0, result.output
    assert "nothing seeded" in result.output
    assert (count(User), count(Job), count(Candidate), count(Candidacy)) == before


def test_create_user_with_a_common_password_fails_clearly(cli):
    result = cli("create-user", "--email", "common@example.com", "--name", "Common",
                 "--password", "qwertyuiop123", "--role", "admin")

    assert result.exit_code != 0
    assert "most common passwords" in result.output
    assert count(User) == 0
