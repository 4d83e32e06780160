"""Command line: ``flask --app wsgi <command>``."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask

from coordinator.db import db
from coordinator.errors import DomainError

#: sysexits.h EX_TEMPFAIL: the MTA keeps the message and tries again later.
EX_TEMPFAIL = 75


def register(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--password", required=True,
                  help="At least 12 characters, not a common password.")
    @click.option("--role", "roles", multiple=True, required=True,
                  type=click.Choice(["admin", "recruiter", "hiring_manager", "interviewer"]))
    @click.option("--job-title", default="")
    @click.option("--time-zone", default="UTC")
    def create_user(email: str, name: str, password: str, roles: tuple[str, ...], job_title: str,
                    time_zone: str) -> None:
        """Create a user who can sign in."""
        from coordinator.accounts import operations
        from coordinator.accounts.models import Role

        try:
            user = operations.create_user(actor=None, email=email, name=name, password=password,
                                          roles={Role(r) for r in roles}, job_title=job_title,
                                          time_zone=time_zone)
        except DomainError as err:
            db.session.rollback()
            raise click.ClickException(err.message) from err
        db.session.commit()
        click.echo(f"Created user {user.id} <{user.email}> with roles "
                   f"{', '.join(sorted(r.value for r in user.roles))}.")

    @app.cli.command("create-token")
    @click.argument("email")
    @click.option("--name", default="command line", help="A label to recognise the token by.")
    def create_token(email: str, name: str) -> None:
        """Create an API token for EMAIL; prints the token alone on the last line."""
        from coordinator.accounts import operations

        user = operations.get_user_by_email(email)
        if user is None or not user.is_active:
            raise click.ClickException(f"No active user with email {email}.")
        _, secret = operations.create_token(user, actor=user, name=name)
        db.session.commit()
        click.echo(f"Token for {user.email} (shown once; store it safely):", err=True)
        click.echo(secret)

    @app.cli.command("deliver-mail")
    @click.option("--once", is_flag=True, help="Send what is due now, then exit.")
    @click.option("--interval", default=5.0, show_default=True,
                  help="Seconds between polls when running continuously.")
    @click.option("--batch-size", default=50, show_default=True)
    def deliver_mail(once: bool, interval: float, batch_size: int) -> None:
        """Send due outbox messages over SMTP (or into instance/mail/); retry failures."""
        import time
        from datetime import timedelta

        from flask import current_app

        from coordinator.mail import outbox
        from coordinator.mail.smtp import transport_from_config

        config = current_app.config
        if config.get("SMTP_HOST") and not config.get("MAIL_FROM"):
            raise click.ClickException("COORDINATOR_MAIL_FROM must be set to send mail.")
        max_attempts = int(config.get("MAIL_MAX_ATTEMPTS", outbox.DEFAULT_MAX_ATTEMPTS))
        lease = timedelta(seconds=int(config.get("MAIL_LEASE_SECONDS", 120)))
        while True:
            report = outbox.deliver_due(transport_from_config(config), batch_size=batch_size,
                                        max_attempts=max_attempts, lease=lease,
                                        record_every=int(config.get("MAIL_RECORD_EVERY", 1)))
            if report.total or once:
                click.echo(f"sent {report.sent}, to retry {report.retried}, "
                           f"gave up {report.failed}")
            if report.paused:
                click.echo(f"delivery paused, messages stay queued: {report.paused}", err=True)
            if once:
                return
            time.sleep(interval)

    @app.cli.command("deliver-webhooks")
    @click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
    @click.option("--interval", default=5.0, show_default=True,
                  help="Seconds between polls when running continuously.")
    @click.option("--batch-size", default=50, show_default=True)
    def deliver_webhooks(once: bool, interval: float, batch_size: int) -> None:
        """POST due webhook deliveries, signed; retry failures with backoff."""
        import time

        from flask import current_app

        from coordinator.webhooks.delivery import deliver_due

        config = current_app.config
        while True:
            report = deliver_due(allow_private=bool(config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"]),
                                 max_attempts=int(config["WEBHOOK_MAX_ATTEMPTS"]),
                                 batch_size=batch_size)
            if report.total or once:
                click.echo(f"delivered {report.delivered}, to retry {report.retried}, "
                           f"gave up {report.failed}")
            if once:
                return
            time.sleep(interval)

    def _expire_self_scheduling() -> None:
        """Self-scheduling offers nobody answered by their deadline: marked expired, and their
        recruiters mailed (once each)."""
        from coordinator.scheduling.selfschedule import expire_unanswered

        expired = expire_unanswered()
        db.session.commit()
        click.echo(f"expired {expired} unanswered self-scheduling offers")

    @app.cli.command("send-reminders")
    def send_reminders() -> None:
        """Queue due interview reminders (candidates ~24 h ahead, interviewers ~1 h ahead).

        Run it every few minutes from cron or a timer; each reminder is queued once per
        interview time, and deliver-mail sends it.
        """
        from coordinator.invites.reminders import send_due_reminders
        from coordinator.invites.responses import send_unanswered_notices

        counts = send_due_reminders()
        unanswered = send_unanswered_notices()
        db.session.commit()
        click.echo(f"queued {counts.candidate} candidate and {counts.panel} interviewer "
                   f"reminders, {unanswered} unanswered-invite notices")
        _expire_self_scheduling()

    @app.cli.command("ingest-mail")
    def ingest_mail() -> None:
        """Read one message on standard input (as an MTA pipes it) and apply the calendar
        reply it carries. Exit 0 when processed or ignored, 75 when the database cannot be
        reached (the MTA retries later)."""
        import sys

        from coordinator.invites import replies

        raw = sys.stdin.buffer.read()
        try:
            outcome = replies.ingest(raw)
            db.session.commit()
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as err:
            db.session.rollback()
            click.echo(f"database unavailable, try again later: {err.orig or err}", err=True)
            sys.exit(EX_TEMPFAIL)
        click.echo(f"{outcome.status}: {outcome.detail}" if outcome.detail else outcome.status)

    @app.cli.command("poll-mailbox")
    @click.option("--once", is_flag=True, help="Read what is unseen now, then exit.")
    @click.option("--interval", default=60.0, show_default=True,
                  help="Seconds between polls when running continuously.")
    def poll_mailbox(once: bool, interval: float) -> None:
        """Read replies to invites from the COORDINATOR_IMAP_* mailbox; mark each message seen
        once its change is committed."""
        import sys
        import time

        from flask import current_app

        from coordinator.invites import replies
        from coordinator.mail import imap

        def handle(raw: bytes) -> None:
            try:
                replies.ingest(raw)
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise

        try:
            settings = imap.MailboxSettings.from_config(current_app.config)
        except imap.MailboxError as err:
            raise click.ClickException(str(err)) from err
        while True:
            try:
                report = imap.poll(settings, handle)
            except (sa.exc.OperationalError, sa.exc.InterfaceError) as err:
                click.echo(f"database unavailable, messages left unseen: {err.orig or err}",
                           err=True)
                if once:
                    sys.exit(EX_TEMPFAIL)
            except imap.MailboxError as err:
                if once:
                    raise click.ClickException(str(err)) from err
                click.echo(str(err), err=True)
            else:
                if report.handled or once:
                    click.echo(f"read {report.handled}, left unseen {report.left_unseen}")
            if once:
                return
            time.sleep(interval)

    @app.cli.command("sync-calendars")
    @click.option("--once", is_flag=True, help="Sync the sources that are due now, then exit.")
    @click.option("--interval", default=60.0, show_default=True,
                  help="Seconds between looks for due sources when running continuously.")
    def sync_calendars(once: bool, interval: float) -> None:
        """Sync the users' calendar sources that are due (every COORDINATOR_CALENDAR_SYNC_MINUTES);
        each source is committed on its own, so one slow or broken calendar delays no other."""
        import time

        from coordinator.scheduling import calendar_sources

        while True:
            synced = failed = 0
            for source in calendar_sources.due_sources():
                calendar_sources.sync_source(source)
                db.session.commit()
                if source.last_error:
                    failed += 1
                    click.echo(f"user {source.user_id}: {source.last_error}", err=True)
                else:
                    synced += 1
            if synced or failed or once:
                click.echo(f"synced {synced}, failed {failed}")
            if once:
                return
            time.sleep(interval)

    @app.cli.command("seed-demo")
    @click.option("--force", is_flag=True, help="Seed even when the database already has users.")
    def seed_demo(force: bool) -> None:
        """Load demo users, jobs, plans and candidates (only into an empty database)."""
        from coordinator import demo

        if demo.has_data() and not force:
            click.echo("The database already has data; nothing seeded.")
        else:
            demo.seed()
            db.session.commit()
            click.echo("Demo data loaded.")
        click.echo(demo.logins_text())

