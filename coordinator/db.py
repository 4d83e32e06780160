"""Database platform: the declarative base, a UTC-only datetime type, portable enums and the
upsert construct of each database."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An instant stored in UTC; refuses naive datetimes so zone bugs fail the day they appear."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime needs a datetime, not {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} refused: give it a time zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class TitledEnum(enum.StrEnum):
    """A string enum whose members carry a display title beside their value."""

    def __new__(cls, value: str, title: str | None = None) -> TitledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.title_text = title or value.replace("_", " ").capitalize()  # type: ignore[attr-defined]
        return member

    @property
    def title(self) -> str:  # type: ignore[override]
        return self.title_text  # type: ignore[attr-defined,no-any-return]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.title) for m in cls]


def upsert_insert(dialect: str) -> Any:
    """The INSERT construct of ``dialect`` (a dialect name: ``postgresql`` or ``sqlite``) that
    takes ``on_conflict_do_nothing`` / ``on_conflict_do_update``: both databases spell the
    upsert alike, SQLAlchemy builds it per dialect."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def enum_column(enum_cls: type[enum.Enum], name: str, **kwargs: Any) -> sa.Enum:
    """Store an enum as a string with a CHECK constraint, the same on SQLite and PostgreSQL."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls) + 8,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
        **kwargs,
    )


def configure_engine_events(engine: sa.engine.Engine) -> None:
    """PostgreSQL: sessions start with JIT compilation off (see :func:`_postgresql_options`)
    and note which transactions write. SQLite: foreign keys on, real transactions with
    SAVEPOINT support."""
    if engine.dialect.name == "postgresql":
        _postgresql_options(engine)
        _note_writes(engine)
        return
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            # Write-ahead logging: readers never block the writer, nor the writer readers.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.engine.Connection) -> None:
        conn.exec_driver_sql("BEGIN")


WROTE = "coordinator_wrote"


def _note_writes(engine: sa.engine.Engine) -> None:
    """Mark a connection's transaction as writing at its first statement that is not a SELECT
    (INSERT, UPDATE, DELETE, WITH, SAVEPOINT, ...), for :func:`end_read_only_transaction`."""

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.engine.Connection) -> None:
        conn.info[WROTE] = False

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _on_execute(conn: sa.engine.Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("SELECT"):
            conn.info[WROTE] = True


def end_read_only_transaction(session: sa.orm.Session) -> None:
    """Commit the session's transaction when it only read (nothing pending, no statement but
    SELECTs): for such a transaction COMMIT and ROLLBACK have the same outcome, but psycopg
    forgets all of a connection's prepared statements at every ROLLBACK (and has the server
    deallocate them), so ending each reading request with one kept PostgreSQL re-planning the
    same statements request after request. Anything else is left to the rollback at close."""
    if not session.in_transaction() or session.in_nested_transaction():
        return
    if session.new or session.dirty or session.deleted:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql" or connection.info.get(WROTE, True):
        return
    session.commit()


def _postgresql_options(engine: sa.engine.Engine) -> None:
    """Sessions without JIT compilation (``-c jit=off`` at connect: no statement is sent).

    PostgreSQL compiles a query whose estimated cost passes ``jit_above_cost`` (100,000) to
    machine code first. That pays off for long analytic scans, not for this service's
    statements, which run in milliseconds: the shortlist's one grouped statement per job
    (``coordinator.shortlist.aggregates._job_rows``, estimated at about 42,000 for a job of
    500 candidacies) crosses it at about 1,200 candidacies; compiling it then triples its
    CPU time (measured on the 100,000-candidacy benchmark database with the threshold
    lowered), and costs about a second once it is also past the optimising threshold."""

    @sa.event.listens_for(engine, "do_connect")
    def _on_connect(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        cparams["options"] = " ".join(filter(None, [cparams.get("options"), "-c jit=off"]))
