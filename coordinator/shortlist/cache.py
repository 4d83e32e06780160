"""The per-job shortlist cache: rows kept in the database, noted (or dropped) in the
transaction that changes what they show.

Reading (:func:`load`): one primary-key SELECT; on a hit the stored JSON is the answer. On a
miss the caller's function computes the rows, and they are stored only while the job's
``generation`` is still the one read first (an UPDATE guarded by it, or an INSERT that yields
to any row written meanwhile), so rows computed while another transaction changed the job are
never stored over that change. Each app server reads the same rows. A process keeps the
decoded rows of a few jobs it read last (:class:`Memo`), each under the random ``key`` stored at
the head of its JSON: the SELECT compares that head with the remembered one and sends the JSON
only when they differ, so a hit that process has seen before transfers and decodes nothing,
and a change (on any server) is still seen on the very next read.

Invalidating: a ``before_flush`` hook on every session looks at the new, changed and deleted
objects of the models the rows show (candidacies and their candidates, rounds, interviews,
panels, submitted assessments and their ratings, decisions, the plan's rounds and criteria),
finds their candidacies and jobs and raises those jobs' generation in the same flush (an
upsert, so a read that starts before the change finds a generation to compare). A change
within some candidacies (a decision, a booking, an assessment, a rename, a state) keeps the
stored rows and notes those candidacies in ``changed`` (:func:`_note`): the next read computes
only their rows again and every calibrated score (:func:`load` hands ``compute`` the stored
rows); a candidacy added is noted once the flush has given it an id (:func:`_after_flush`).
A change to the plan (rounds, criteria) keeps them too, noted as :data:`PLAN`: the next read
reads the plan again and works out each row's next round from the planned rounds it has done
(nothing else a row shows comes from the plan). A change in whether
an assessment counts also has every job calibrated against the whole organisation work out
its calibrated scores again (:func:`_recalibrate`). Code that changes those tables with bulk
UPDATE/DELETE statements calls :func:`invalidate`.

Who owes what is not in the rows (it is read per viewer in the same statement,
:func:`read_statement`), so a seat of an interview still to come leaves them as they are
(:func:`_seat_ahead`); the generation still rises (:func:`_note`, noting nothing): rows a
read computed before such a change are not stored after it, and what a process remembers of
who owes what (:data:`owed_memo`, kept under the generation and head it was read at) is read
anew. An
interview booked or moved ahead notes its candidacy for when it starts (``id@seconds``, see
:func:`due`): nothing its row shows changes before then, so reads serve the stored rows until
that instant and then read that row again (at once when its round had an interview that
ended: the round no longer shows as done). Each row also keeps until when its own figures
hold (its next interview's start or end): rows whose time has come are read again likewise.
"""

from __future__ import annotations

import functools
import math
import threading
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple

import pydantic_core
import sqlalchemy as sa
from sqlalchemy import event, orm

from coordinator.assessments.models import Assessment, AssessmentState, Rating
from coordinator.candidates.models import Candidacy, Candidate
from coordinator.db import UTCDateTime, db, upsert_insert
from coordinator.jobs.models import Criterion, Job, PlannedRound
from coordinator.scheduling.models import Interview, InterviewState, PanelMember, Round
from coordinator.shortlist.models import Decision, ShortlistCache
from coordinator.timeutil import utcnow

#: Columns whose change alters shortlist rows, per model (None: any change, creation, deletion).
WATCHED: dict[type, frozenset[str] | None] = {
    Candidacy: frozenset({"state", "candidate_id", "job_id"}),
    Candidate: frozenset({"name", "email", "time_zone"}),
    Round: frozenset({"candidacy_id", "planned_round_id"}),
    Interview: frozenset({"state", "starts_at", "ends_at", "round_id"}),
    PanelMember: frozenset({"interview_id", "user_id"}),
    Assessment: frozenset(
        {
            "state",
            "recommendation",
            "rating_sum",
            "rating_count",
            "rating_scores",
            "interview_id",
            "interviewer_id",
        }
    ),
    Rating: frozenset({"score", "criterion_id", "assessment_id"}),
    Decision: None,
    PlannedRound: frozenset({"title", "position", "job_id"}),
    Criterion: frozenset({"title", "position", "is_retired", "planned_round_id"}),
}
#: Models that matter however they are created or deleted (a new candidate has no candidacy).
_CREATED_MATTERS = (Candidacy, Round, Interview, PanelMember, Decision, PlannedRound, Criterion)

Payload = dict[str, Any]
#: The shape of the stored rows: raise it with any change to what ``compute`` returns. Rows
#: stored in another shape (by a server running other code, e.g. while a new release rolls
#: out across servers one by one) are computed again, never read as if they had this one.
FORMAT = 4
#: Noted in ``changed`` when the job's plan changed (no candidacy has the id 0), and when the
#: organisation's leniencies may have moved (no candidacy has a negative id): see :func:`due`.
PLAN = 0
CALIBRATION = -1
#: The stored JSON starts ``{"key":"<32 hex digits>"``: this many characters tell payloads apart.
_HEAD = len('{"key":"') + 32 + 1
#: What follows the head in rows stored in this shape (see _store): a note due later is
#: written only into such rows (a server running the previous release reads only rows of
#: its own shape, and could not read such a note).
_FORMAT_TEXT = f',"format":{FORMAT},'


class Memo:
    """What this process read last of a few keys (least recently used dropped), each value
    with the version it was read at. Safe to share between threads; what it hands out is
    shared too and must not be changed."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[Any, Any] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, version: Any, value: Any) -> None:
        with self._lock:
            self._entries[key] = (version, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


#: The decoded rows of the jobs this process read last, by job, under the head of their JSON.
memo = Memo()
#: Who owes what, by (job, viewer), under the generation it was read at: every change to it
#: raises the job's generation (see :func:`_note`), and nothing read at a generation this
#: process's own transaction raised is kept (see :func:`changed_here`).
owed_memo = Memo(size=512)


# --- reading and storing -------------------------------------------------------------------------


def load(
    job: Job,
    now: datetime,
    compute: Callable[[Payload | None, frozenset[int]], tuple[Payload, datetime | None]],
    *,
    read: sa.Select[Any] | None = None,
    params: dict[str, Any] | None = None,
    adopt: Callable[[Payload, Payload], None] | None = None,
) -> tuple[Payload, Any]:
    """The job's rows: stored ones while valid at ``now``, else ``compute(previous, changed)``'s
    (then stored); and the row ``read`` returned (None: the job has no row yet): a
    :func:`read_statement` with more columns (scalar subqueries over ``:job_id`` and
    ``params``), read with the cached rows in one statement.

    ``compute`` returns the rows and the instant until which they hold (None: until a change).
    It is given the stored rows when they still hold for every candidacy but those
    ``changed`` since, or when only the clock moved past ``valid_until`` (then it computes
    again the rows that moved with it); else None (compute every row).

    ``adopt(earlier, decoded)``: called when this process decodes stored rows of a job it
    remembers older rows of (another server or worker computed the new ones), before they are
    used or remembered: it may make the new rows share what is unchanged in the older ones.
    """
    remembered = memo.get(job.id)
    values = {"job_id": job.id, "remembered": remembered[0] if remembered else "", **(params or {})}
    found = db.session.execute(
        _read_statement() if read is None else read, values
    ).first()
    extra = found
    previous: Payload | None = None
    changed: frozenset[int] = frozenset()
    later: list[str] = []
    soonest: datetime | None = None
    if found is not None and found.head is not None and found.computed_at <= now:
        if found.payload is None and remembered is not None:
            payload: Payload = remembered[1]
        else:
            payload = pydantic_core.from_json(found.payload)
            if adopt is not None and remembered is not None and payload.get("format") == FORMAT:
                adopt(remembered[1], payload)
        if payload.get("format") == FORMAT:  # stored by _store: keyed
            changed, later, soonest = due(found.changed, now)
            if not changed and (found.valid_until is None or now < found.valid_until):
                if found.payload is not None:
                    memo.put(job.id, found.head, payload)
                return payload, extra
            previous = payload
    payload, valid_until = compute(previous, changed)
    if previous is None:
        later = []  # every row computed now, those booked ahead too
    elif soonest is not None:
        # Still noted: the rows hold until the soonest of those interviews starts.
        valid_until = soonest if valid_until is None else min(valid_until, soonest)
    stored = _store(
        job.id, None if found is None else found.generation, payload, now, valid_until, later
    )
    return stored, extra


def due(
    changed: str | None, now: datetime
) -> tuple[frozenset[int], list[str], datetime | None]:
    """What a stored row's ``changed`` notes: the candidacies whose rows are due at ``now``
    (:data:`PLAN` for the plan, :data:`CALIBRATION` for the calibrated scores alone), the
    notes of those due later (``id@seconds``: an interview booked ahead, due when it starts;
    see :func:`_before_flush`), and when the soonest of those is due (None: none)."""
    now_due: set[int] = set()
    later: list[str] = []
    soonest: int | None = None
    for note in (changed or "").split():
        candidacy_id, _, at = note.partition("@")
        if at and int(at) > now.timestamp():
            later.append(note)
            soonest = int(at) if soonest is None else min(soonest, int(at))
        else:
            now_due.add(int(candidacy_id))
    return (
        frozenset(now_due),
        later,
        None if soonest is None else datetime.fromtimestamp(soonest, UTC),
    )


def read_statement(*also: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """The primary-key read of a job's row (``:job_id``): its generation, its head, its JSON
    only when the head differs from the one this process remembers (``:remembered``), when it
    was computed, until when it holds and the candidacies changed since; then ``also``
    (labelled scalar subqueries, e.g. what the viewer owes: read with the row at no extra
    round trip). Build it once per process."""
    head = head_column()
    return sa.select(
        ShortlistCache.generation,
        head.label("head"),
        sa.case(
            (head == sa.bindparam("remembered", type_=sa.String()), sa.null()),
            else_=ShortlistCache.payload,
        ).label("payload"),
        ShortlistCache.computed_at,
        ShortlistCache.valid_until,
        ShortlistCache.changed,
        *also,
    ).where(ShortlistCache.job_id == sa.bindparam("job_id", type_=sa.Integer()))


def head_column() -> sa.ColumnElement[str]:
    """The head of a stored row's JSON (its random key): tells one stored JSON from another."""
    return sa.func.substr(ShortlistCache.payload, 1, _HEAD)


@functools.cache
def _read_statement() -> sa.Select[Any]:
    """:func:`read_statement` with nothing else, built once per process."""
    return read_statement()


def _store(
    job_id: int,
    generation: int | None,
    payload: Payload,
    now: datetime,
    valid_until: datetime | None,
    later: list[str] | None = None,
) -> Payload:
    """Keep the rows unless the job changed since ``generation`` was read (then drop them).
    They hold until ``valid_until``; ``later`` stays noted (rows due later, see :func:`due`).

    Returns the rows to answer with: once stored, the keyed rows, also remembered in this
    process's memo under their head (the next read here then decodes nothing; should this
    transaction not commit, no stored row has that head and the memo entry is never used).
    """
    # A new random key first: it tells this JSON from any other stored for any job (see Memo).
    keyed = {
        "key": uuid.uuid4().hex,
        "format": FORMAT,  # right after the key: see _FORMAT_TEXT
        **{k: v for k, v in payload.items() if k not in ("key", "format") and k[0] != "_"},
    }
    # pydantic-core's encoder: a quarter of the json module's time on 300 kB of rows (floats
    # written so that they read back the same; compact, UTF-8).
    text = pydantic_core.to_json(keyed).decode()
    # What this process alone keeps with the rows (names starting "_"): never stored.
    keyed.update((k, v) for k, v in payload.items() if k[0] == "_")
    values = {
        "scope": payload["scope"],
        "payload": text,
        "computed_at": now,
        "valid_until": valid_until,
        "changed": " ".join(later) if later else None,
    }
    table = ShortlistCache.__table__
    if generation is None:
        statement: sa.Executable = (
            upsert_insert(db.session.get_bind().dialect.name)(table)
            .values(job_id=job_id, generation=0, **values)
            .on_conflict_do_nothing(index_elements=[table.c.job_id])
        )
    else:
        statement = (
            sa.update(table)
            .where(table.c.job_id == job_id, table.c.generation == generation)
            .values(**values)
        )
    try:
        # A savepoint: on SQLite a reader whose snapshot is older than another writer's commit
        # cannot write; the rows are then simply not kept.
        with db.session.begin_nested():
            stored = db.session.execute(statement).rowcount == 1
    except sa.exc.OperationalError:
        return payload
    if not stored:
        return payload
    memo.put(job_id, text[:_HEAD], keyed)
    return keyed


# --- invalidating --------------------------------------------------------------------------------


#: Set in a session's ``info`` while its transaction has raised a generation (until the
#: transaction ends): what it reads at that generation may yet be rolled back, so nothing read
#: then may be remembered under it (see :func:`changed_here`).
CHANGED = "shortlist_generation_changed"


def changed_here(session: orm.Session | None = None) -> bool:
    """Whether the session's transaction raised a job's generation (uncommitted)."""
    return bool((session or db.session()).info.get(CHANGED))


def invalidate(job_ids: Iterable[int]) -> None:
    """Drop the jobs' rows in the current transaction: their generations rise (creating their
    rows) and their stored rows are cleared. Rows are locked in job order, so two
    transactions that drop overlapping jobs wait for each other instead of deadlocking."""
    db.session.info[CHANGED] = True
    connection = db.session.connection()
    statement = _drop_one(connection.dialect.name)
    for job_id in sorted(set(job_ids)):
        connection.execute(statement, {"job_id": job_id})


@functools.cache
def _drop_one(dialect: str) -> Any:
    """:func:`invalidate`'s statement for one job, built once per dialect (it keeps its cache
    key)."""
    table = ShortlistCache.__table__
    cleared = {"payload": None, "scope": None, "computed_at": None, "valid_until": None,
               "changed": None}
    return (
        upsert_insert(dialect)(table)
        .values(job_id=sa.bindparam("job_id"), generation=1)
        .on_conflict_do_update(
            index_elements=[table.c.job_id],
            set_={"generation": table.c.generation + 1, **cleared},
        )
    )


def _note(
    connection: sa.Connection,
    job_id: int,
    notes: Iterable[int],
    booked: _Booked | None = None,
) -> None:
    """Some candidacies of the job changed: raise its generation (creating its row) and note
    them with the stored rows, which stay: the next read computes only theirs again (see
    :func:`load` and :func:`due`); and those of interviews ``booked`` ahead. Nothing noted
    (only who owes what changed) raises the generation alone. Callers lock rows in job order,
    as :func:`invalidate` does."""
    text = _text(notes)
    if booked is None or not booked.candidacies.get(job_id):
        connection.execute(_note_one(connection.dialect.name), {"job_id": job_id, "changed": text})
        return
    ids = booked.candidacies[job_id]
    connection.execute(
        _note_one(connection.dialect.name, booked=True),
        {
            "job_id": job_id,
            "changed": text,
            "rounds": sorted(booked.rounds),
            "now": booked.now,
            "at_once": _text(ids),
            "later": _text(f"{n}@{math.ceil(booked.soonest.timestamp())}" for n in ids),
        },
    )


def _text(notes: Iterable[int | str]) -> str:
    return "".join(f" {n}" for n in sorted(str(n) for n in notes))


class _Booked(NamedTuple):
    """Interviews one flush books or moves ahead: their candidacies by job, the rounds booked
    into, the soonest start, and the flush's now."""

    candidacies: dict[int, set[int]]
    rounds: set[int]
    soonest: datetime
    now: datetime


def _recalibrate(connection: sa.Connection) -> None:
    """Whether an assessment counts changed: the rows of every job whose leniencies came from
    the whole organisation stay, noted as :data:`CALIBRATION`, so the next read works out
    their calibrated scores again and nothing else. Rows are locked in job order, ahead of
    any job's own (see :func:`_before_flush`)."""
    table = ShortlistCache.__table__
    in_order = (
        sa.select(table.c.job_id)
        .where(table.c.scope == "organisation")
        .order_by(table.c.job_id)
        .with_for_update()
    )
    connection.execute(
        sa.update(table)
        .where(table.c.job_id.in_(in_order.scalar_subquery()))
        .values(
            generation=table.c.generation + 1,
            changed=sa.func.coalesce(table.c.changed, "") + f" {CALIBRATION}",
        )
    )


@functools.cache
def _note_one(dialect: str, booked: bool = False) -> Any:
    """:func:`_note`'s statement (``booked``: with the notes of interviews booked ahead, due at
    once when one of the ``:rounds`` booked into has an interview that ended by ``:now`` or
    the stored rows are of another shape, else when the soonest starts), built once per
    dialect (it keeps its cache key)."""
    table = ShortlistCache.__table__
    changed: sa.ColumnElement[str] = sa.bindparam("changed", type_=sa.Text())
    noted = changed
    if booked:
        ended = sa.exists().where(
            Interview.round_id.in_(sa.bindparam("rounds", expanding=True)),
            Interview.state == InterviewState.scheduled,
            Interview.ends_at <= sa.bindparam("now", type_=UTCDateTime()),
        )
        this_shape = sa.func.substr(table.c.payload, _HEAD + 1, len(_FORMAT_TEXT)) == _FORMAT_TEXT
        at_once = sa.bindparam("at_once", type_=sa.Text())
        noted = changed + sa.case(
            (ended, at_once),
            (this_shape, sa.bindparam("later", type_=sa.Text())),
            else_=at_once,
        )
    return (
        upsert_insert(dialect)(table)
        # A row made here has no stored rows: what is noted with it counts for nothing.
        .values(job_id=sa.bindparam("job_id"), generation=1, changed=changed)
        .on_conflict_do_update(
            index_elements=[table.c.job_id],
            set_={
                "generation": table.c.generation + 1,
                "changed": sa.func.coalesce(table.c.changed, "") + noted,
            },
        )
    )


def _changed(obj: object, names: frozenset[str] | None) -> bool:
    state = sa.inspect(obj)
    if names is None:
        return True
    return any(state.attrs[name].history.has_changes() for name in names if name in state.attrs)


def _before(obj: object, name: str) -> Any:
    """The attribute's value before this flush's changes. When it was changed without its old
    value ever being loaded (an expired object), the database still holds that value: this
    runs before the flush writes, so it is read from there."""
    state = sa.inspect(obj)
    history = state.attrs[name].history
    if not history.has_changes():
        return getattr(obj, name)
    if history.deleted:
        return history.deleted[0]
    model = type(obj)
    return state.session.scalar(
        sa.select(getattr(model, name)).where(model.id == state.identity[0])
    )


def _counts(assessment: Assessment, kind: str) -> bool:
    """Whether the assessment is (or was, before this flush) one that counts: submitted."""
    now = assessment.state is AssessmentState.submitted
    if kind == "new":
        return now
    return now or _before(assessment, "state") is AssessmentState.submitted


#: The parents :class:`_Targets` may find in the session, with their link up.
_HELD: dict[str, tuple[type, str]] = {
    "candidacy": (Candidacy, "job_id"),
    "round": (Round, "candidacy_id"),
    "interview": (Interview, "round_id"),
    "planned": (PlannedRound, "job_id"),
}


class _Targets:
    """Ids found on the changed objects, resolved to jobs with one statement."""

    def __init__(self, session: orm.Session | None = None) -> None:
        self.session = session
        #: Jobs whose plan changed (a new candidacy's job, too: the candidacy is noted once
        #: it has an id, see _after_flush).
        self.jobs: set[int] = set()
        #: Candidacies known by id, by job: only their rows change.
        self.candidacies: dict[int, set[int]] = defaultdict(set)
        kinds = ("candidacy", "candidate", "round", "interview", "planned", "assessment")
        self.ids: dict[str, set[int]] = {kind: set() for kind in kinds}
        self.organisation = False

    def __bool__(self) -> bool:
        return bool(
            self.jobs or self.candidacies or any(self.ids.values()) or self.organisation
        )

    def add(self, obj: object | None) -> None:
        """Walk from a changed object up to its job (ids first; new parents through objects)."""
        if obj is None:
            return
        steps: tuple[tuple[type, str, str, str], ...] = (
            (Candidacy, "job_id", "job", "job"),
            (Round, "candidacy_id", "candidacy", "candidacy"),
            (Interview, "round_id", "round", "round"),
            (PanelMember, "interview_id", "interview", "interview"),
            (Assessment, "interview_id", "interview", "interview"),
            (Decision, "candidacy_id", "candidacy", "candidacy"),
            (PlannedRound, "job_id", "job", "job"),
            (Criterion, "planned_round_id", "planned_round", "planned"),
        )
        if isinstance(obj, Job):
            if obj.id is not None:
                self.jobs.add(obj.id)
            return
        if isinstance(obj, Candidacy) and obj.id is not None and obj.job_id is not None:
            self.candidacies[obj.job_id].add(obj.id)
            return
        if isinstance(obj, Candidate):
            if obj.id is not None:
                self.ids["candidate"].add(obj.id)
            return
        if isinstance(obj, Rating):
            if obj.assessment_id is not None:
                self.ids["assessment"].add(obj.assessment_id)
            else:
                parent = sa.inspect(obj).attrs.assessment.loaded_value
                self.add(parent if isinstance(parent, Assessment) else None)
            return
        for model, fk, relation, kind in steps:
            if isinstance(obj, model):
                value = getattr(obj, fk)
                if value is not None:
                    known = None if kind == "job" else self._held(kind, value)
                    if kind == "job":
                        self.jobs.add(value)
                    elif known is not None:
                        self.add(known)  # its own link up, read from the session
                    else:
                        self.ids[kind].add(value)
                else:
                    parent = sa.inspect(obj).attrs[relation].loaded_value
                    self.add(parent if isinstance(parent, db.Model) else None)
                return

    def _held(self, kind: str, id_: int) -> object | None:
        """The parent the session already holds, when its link up is loaded and not changed
        since it was read (then it is what the database says): no statement needed for it."""
        if self.session is None or kind not in _HELD:
            return None
        model, fk = _HELD[kind]
        obj = self.session.identity_map.get(orm.util.identity_key(model, id_))
        if obj is None:
            return None
        state = sa.inspect(obj)
        if fk not in state.dict or fk in state.committed_state:
            return None
        return obj

    def resolve(self, connection: sa.Connection) -> tuple[set[int], dict[int, set[int]]]:
        """The jobs whose plan changed (or whose every row may change), and the candidacies
        that changed, by job (one statement, none when every id was found in the session)."""
        parts: list[sa.Select[Any]] = []
        ids = self.ids
        both = (Candidacy.job_id, Candidacy.id)
        if ids["candidacy"] or ids["candidate"]:
            parts.append(
                sa.select(*both).where(
                    sa.or_(
                        Candidacy.id.in_(sorted(ids["candidacy"])),
                        Candidacy.candidate_id.in_(sorted(ids["candidate"])),
                    )
                )
            )
        if ids["round"]:
            parts.append(
                sa.select(*both)
                .join(Round, Round.candidacy_id == Candidacy.id)
                .where(Round.id.in_(sorted(ids["round"])))
            )
        if ids["interview"] or ids["assessment"]:
            by_assessment = sa.select(Assessment.interview_id).where(
                Assessment.id.in_(sorted(ids["assessment"]))
            )
            parts.append(
                sa.select(*both)
                .join(Round, Round.candidacy_id == Candidacy.id)
                .join(Interview, Interview.round_id == Round.id)
                .where(
                    sa.or_(
                        Interview.id.in_(sorted(ids["interview"])),
                        Interview.id.in_(by_assessment),
                    )
                )
            )
        if ids["planned"]:
            # A plan change: every row of the job (no candidacy).
            parts.append(
                sa.select(PlannedRound.job_id, sa.cast(sa.null(), sa.Integer())).where(
                    PlannedRound.id.in_(sorted(ids["planned"]))
                )
            )
        jobs = set(self.jobs)
        candidacies = defaultdict(set, {j: set(c) for j, c in self.candidacies.items()})
        if parts:
            statement = parts[0] if len(parts) == 1 else sa.union(*parts)
            for job_id, candidacy_id in connection.execute(statement):
                if candidacy_id is None:
                    jobs.add(job_id)
                else:
                    candidacies[job_id].add(candidacy_id)
        jobs.discard(None)  # type: ignore[arg-type]
        return jobs, {j: c for j, c in candidacies.items() if j is not None}


def _rating_counts(rating: Rating, session: orm.Session) -> bool:
    """Whether a rating's change can show: its assessment is (or was) submitted. Drafts are
    saved often and count for nothing, so they cost no statement."""
    assessment = sa.inspect(rating).attrs.assessment.loaded_value
    if not isinstance(assessment, Assessment) and rating.assessment_id is not None:
        assessment = session.identity_map.get(
            orm.util.identity_key(Assessment, rating.assessment_id)
        )
    if isinstance(assessment, Assessment):
        return _counts(assessment, "dirty")
    return True  # unknown here: resolve it (through its assessment's interview)


def _seat_ahead(seat: PanelMember, kind: str, now: datetime) -> bool:
    """Whether a seat's change lies wholly ahead of ``now`` (a seat of an interview still to
    come, before and after): then nothing the rows show changes, only who owes what."""
    if kind == "dirty" and _changed(seat, frozenset({"interview_id"})):
        return False
    starts = [seat.starts_at]
    if kind != "new":
        starts.append(_before(seat, "starts_at"))
    return all(s is not None and s > now for s in starts)


def _booked_ahead(interview: Interview, kind: str, now: datetime) -> datetime | None:
    """The start of an interview booked or moved ahead of ``now`` (from ahead, within its
    round): nothing its row shows changes before then, unless its round had an interview that
    ended (see :func:`_before_flush`). None: the change may show at once."""
    if kind == "deleted" or interview.starts_at is None:
        return None
    if interview.state not in (None, InterviewState.scheduled):
        return None
    if kind == "dirty":
        if _changed(interview, frozenset({"state", "round_id"})):
            return None
        before = _before(interview, "starts_at")
        if before is None or before <= now:
            return None
    return interview.starts_at if interview.starts_at > now else None


def _parent_id(obj: object, fk: str, relation: str) -> int | None:
    """The id ``obj`` links to through ``fk``, also when the parent was given as an object
    (``relation``); None: a parent not yet stored (its own creation is noted at once)."""
    value = getattr(obj, fk)
    if value is not None:
        return value
    held = sa.inspect(obj).attrs[relation].loaded_value
    return held.id if isinstance(held, db.Model) else None


def _before_flush(session: orm.Session, _context: Any, _instances: Any) -> None:
    """Note what the flush changes with the jobs' stored rows (see the module's doc): the
    candidacies changed, the plan, the candidacies of interviews booked ahead (due when the
    soonest starts), and the jobs where only who owes what changed (generation only). Each
    job's row is written once, in job order, so two flushes never lock rows in opposite
    orders."""
    targets = _Targets(session)
    ahead = _Targets(session)
    booked = _Targets(session)
    booked_rounds: set[int] = set()
    soonest: datetime | None = None
    now = utcnow()
    added: list[Candidacy] = []
    session.info.pop(_ADDED, None)
    with session.no_autoflush:
        for kind, objects in (
            ("new", session.new),
            ("dirty", session.dirty),
            ("deleted", session.deleted),
        ):
            for obj in objects:
                names = WATCHED.get(type(obj), frozenset())
                if names == frozenset():
                    continue
                if (
                    isinstance(obj, PanelMember)
                    and (kind != "dirty" or _changed(obj, names))
                    and _seat_ahead(obj, kind, now)
                ):
                    # Who owes what changes: the generation rises (see _read_with_owed).
                    ahead.add(obj)
                    continue
                if isinstance(obj, Interview) and (kind != "dirty" or _changed(obj, names)):
                    starts = _booked_ahead(obj, kind, now)
                    round_id = _parent_id(obj, "round_id", "round")
                    if starts is not None and round_id is not None:
                        booked.add(obj)
                        booked_rounds.add(round_id)
                        soonest = starts if soonest is None else min(soonest, starts)
                        continue
                if isinstance(obj, Assessment):
                    if not _counts(obj, kind) or (kind == "dirty" and not _changed(obj, names)):
                        continue
                    targets.organisation = True
                elif isinstance(obj, Rating):
                    if kind == "dirty" and not _changed(obj, names):
                        continue
                    if not _rating_counts(obj, session):
                        continue
                elif kind == "dirty":
                    if not _changed(obj, names):
                        continue
                    if isinstance(obj, Candidacy) and _changed(obj, frozenset({"job_id"})):
                        # Moved: its row leaves one job (and comes to the other, below).
                        targets.candidacies[_before(obj, "job_id")].add(obj.id)
                elif kind == "new" and not isinstance(obj, _CREATED_MATTERS):
                    continue
                if (
                    isinstance(obj, Candidacy)
                    and kind == "new"
                    and (job_id := _parent_id(obj, "job_id", "job"))
                ):
                    # A new row: its job is noted now (locked in order with the others) and
                    # the candidacy once the flush has given it an id (_after_flush).
                    targets.candidacies.setdefault(job_id, set())
                    added.append(obj)
                    continue
                targets.add(obj)
        if not (targets or ahead or booked):
            return
        session.info[CHANGED] = True
        if added:
            session.info[_ADDED] = added
        connection = session.connection()
        notes: dict[int, set[int]] = {}
        if targets:
            # A plan change is noted as PLAN, with the job's candidacies changed besides.
            jobs, some = targets.resolve(connection)
            for job_id in jobs | set(some):
                notes[job_id] = set(some.get(job_id, ()))
                if job_id in jobs:
                    notes[job_id].add(PLAN)
        ahead_of: _Booked | None = None
        if booked and soonest is not None:
            # Due when the soonest of them starts; at once where a round had one that ended
            # (worked out by the statement that notes them).
            whole, some_booked = booked.resolve(connection)
            ahead_of = _Booked(some_booked, booked_rounds, soonest, now)
            for job_id in whole | set(some_booked):
                notes.setdefault(job_id, set())
        if ahead:
            # Who owes what changed: the generation rises, nothing is noted.
            whole, some_ahead = ahead.resolve(connection)
            for job_id in whole | set(some_ahead):
                notes.setdefault(job_id, set())
        if targets.organisation:
            _recalibrate(connection)  # ahead of any job's own row (see _recalibrate)
        for job_id in sorted(notes):
            _note(connection, job_id, notes[job_id], ahead_of)


#: Set in a session's ``info`` by a flush that adds candidacies: those candidacies, noted
#: with their jobs' rows once the flush has given them ids (see :func:`_after_flush`).
_ADDED = "shortlist_candidacies_added"


def _after_flush(session: orm.Session, _context: Any) -> None:
    """Note the candidacies this flush added with their jobs' rows (the jobs' generations rose
    and their rows were locked before the flush, in order with the flush's other jobs)."""
    added: list[Candidacy] | None = session.info.pop(_ADDED, None)
    if not added:
        return
    by_job: dict[int, set[int]] = defaultdict(set)
    for candidacy in added:
        if candidacy.id is not None and candidacy.job_id is not None:
            by_job[candidacy.job_id].add(candidacy.id)
    for job_id in sorted(by_job):
        _note(session.connection(), job_id, by_job[job_id])


def _transaction_end(session: orm.Session, transaction: orm.SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(CHANGED, None)
        session.info.pop(_ADDED, None)


def register() -> None:
    """Watch every session's flushes (once per process)."""
    if not event.contains(orm.Session, "before_flush", _before_flush):
        event.listen(orm.Session, "before_flush", _before_flush)
    if not event.contains(orm.Session, "after_flush", _after_flush):
        event.listen(orm.Session, "after_flush", _after_flush)
    if not event.contains(orm.Session, "after_transaction_end", _transaction_end):
        event.listen(orm.Session, "after_transaction_end", _transaction_end)
