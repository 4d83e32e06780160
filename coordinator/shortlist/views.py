"""Shortlist pages: a job's shortlist (filter, sort, paginate, chart, CSV), compare, decide."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    flash,
    g,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup

from coordinator.access import require, requires
from coordinator.accounts.models import User
from coordinator.assessments.models import SCALE, Recommendation
from coordinator.assessments.owing import first_owed
from coordinator.candidates.models import Candidacy
from coordinator.candidates.operations import get_job_candidacy
from coordinator.candidates.permissions import can_view_candidate_contact
from coordinator.db import db
from coordinator.errors import Conflict, NotFound, RuleViolation
from coordinator.jobs.models import Job
from coordinator.jobs.operations import get_job
from coordinator.scheduling.models import Interview
from coordinator.shortlist import aggregates, cache, calibration, operations
from coordinator.shortlist.forms import MAX_ID, DecisionForm, ShortlistFilterForm, parse_ids
from coordinator.shortlist.permissions import can_decide, can_reach_shortlists, can_view_shortlist
from coordinator.web import ListPage, id_links, page_number, viewer_zone

bp = Blueprint("shortlist", __name__)

PER_PAGE = 50
#: Where show.html gets the kept table and pager (see show_shortlist): a comment, so no
#: escaped text of the page can contain it.
RESULTS_HERE = "<!--shortlist-results-->"
#: A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

SCOPES = {
    "job": "Leniencies are estimated from this job's interviews.",
    "organisation": "This job has too few interviews assessed by two or more people, so "
    "leniencies are estimated from the whole organisation's interviews.",
    "none": "No interviewer has shared enough interviews with colleagues yet, so nothing is "
    "calibrated.",
}


@bp.app_context_processor
def _shortlist_helpers() -> dict[str, Any]:
    """Lets any page (the job page) ask whether the viewer may open a job's shortlist."""
    return {"can_view_shortlist": can_view_shortlist}


# --- loading through parents ---------------------------------------------------------------------


def _id(value: int) -> int:
    if value > MAX_ID:
        raise NotFound("No such object.")
    return value


def _job(job_id: int, *, with_plan: bool = False) -> Job:
    """The job if the viewer may see its shortlist; ``with_plan``: its planned rounds (the
    filter's choices) come in the same statement."""
    job = get_job(_id(job_id), with_planned_rounds=with_plan)
    require(
        can_view_shortlist(g.user, job),
        "Only recruiters and this job's hiring manager see its shortlist.",
    )
    return job


def _candidacy(job_id: int, candidacy_id: int) -> Candidacy:
    candidacy = get_job_candidacy(get_job(_id(job_id)), _id(candidacy_id))
    require(
        can_decide(g.user, candidacy),
        "Only recruiters and this job's hiring manager decide on its candidacies.",
    )
    return candidacy


# --- the shortlist -------------------------------------------------------------------------------


def _filtered(
    job: Job, *, all_means: bool = False
) -> tuple[ShortlistFilterForm, aggregates.Shortlist, str, bool, str | None]:
    """The filter form, the shortlist it selects, and the sort asked for (else name + error).

    Criterion means are read for every row only with ``all_means`` (or for the one criterion
    sorted by); a page reads the rest for its own rows. The sort is checked against the plan
    the cached rows carry (no statement of its own).
    """
    form = ShortlistFilterForm(request.args, list(job.planned_rounds))
    form.validate()
    text = request.args.get("sort")
    criterion = aggregates.asked_criterion(text)
    shortlist = aggregates.build(
        job,
        states=form.states(),
        planned_round_id=form.planned_round_id(),
        criterion_means=True if all_means else (criterion if criterion is not None else False),
        viewer=g.user,
    )
    sort_error = None
    try:
        key, descending = aggregates.parse_sort(text, shortlist.plan)
    except RuleViolation as err:
        key, descending, sort_error = "name", False, err.message
    return form, shortlist, key, descending, sort_error


def _filter_args(form: ShortlistFilterForm) -> dict[str, Any]:
    args: dict[str, Any] = {"state": [s.value for s in form.states()]}
    if form.planned_round_id() is not None:
        args["round"] = form.planned_round_id()
    return args


def _criterion_cells(
    criteria: list[tuple[int, str]],
) -> Callable[[aggregates.ShortlistRow], Markup]:
    """A row's criterion cells for the shortlist table: the mean and count of each column's
    ratings, a dash without ratings, the withheld marker while withheld. Each column's cell
    opening is escaped once per table, not once per row (1,200 cells on a page of 50 rows
    and 24 criteria): the one place these cells are written."""
    opens = [
        Markup('<td class="num" data-criterion="{}" data-label="{}">').format(cid, title)
        for cid, title in criteria
    ]
    # The shared macros' markup, rendered once: the withheld marker and score()'s empty value.
    withheld_cell = Markup(get_template_attribute("shortlist/_macros.html", "withheld")())
    none_yet = Markup(get_template_attribute("shortlist/_macros.html", "score")(None))

    ids = [cid for cid, _title in criteria]
    withheld_row = Markup("\n".join(f"{opening}{withheld_cell}</td>" for opening in opens))

    def cells(row: aggregates.ShortlistRow) -> Markup:
        if row.withheld:
            return withheld_row
        sums = row.criterion_sums
        parts = []
        for cid, opening in zip(ids, opens, strict=True):
            mean = row.mean(cid)
            if mean is None:
                parts.append(f"{opening}{none_yet}</td>")
            else:
                # score()'s format, with the count of ratings beside it (numbers only).
                parts.append(
                    f'{opening}{mean:.2f} <span class="muted small">({sums[cid][1]})</span></td>'
                )
        return Markup("\n".join(parts))

    return cells


def _tally_cell(
    recommendations: list[Recommendation],
) -> Callable[[dict[str, int]], Markup]:
    """A row's recommendation tally for the shortlist table: the ``tally()`` macro rendered
    once per table with a marker for each count, then filled in per row (the macro stays the
    one place this markup is written; 50 rows no longer run it 50 times)."""
    marks = {r.value: f"\x00{n}\x00" for n, r in enumerate(recommendations)}
    tally = get_template_attribute("shortlist/_macros.html", "tally")
    parts = str(tally(marks, recommendations)).split("\x00")
    texts = parts[0::2]
    values = [recommendations[int(n)].value for n in parts[1::2]]

    def cell(counts: dict[str, int]) -> Markup:
        out = [texts[0]]
        for value, text in zip(values, texts[1:], strict=True):
            out.append(str(int(counts[value])))
            out.append(text)
        return Markup("".join(out))

    return cell


#: The score charts of criteria this process rendered last, under everything they show.
_kept_charts = cache.Memo(size=512)


def _chart(item: aggregates.Distribution) -> Markup:
    """One criterion's score chart (the ``distribution_chart`` macro), kept per process under
    what it shows: after a change most criteria's counts stay, and so do their charts."""
    key = (item.criterion_id, item.title, tuple(item.counts.items()))
    entry = _kept_charts.get(key)
    if entry is None:
        macro = get_template_attribute("shortlist/_chart.html", "distribution_chart")
        entry = (None, Markup(macro(item, SCALE)))
        _kept_charts.put(key, *entry)
    return entry[1]


#: The HTML of shortlist table rows this process rendered last (see show_shortlist's table):
#: a row changed on a cache miss is rendered again, the others are not. Bounded (a few MB).
_kept_rows = cache.Memo(size=4096)


@bp.get("/jobs/<int:job_id>/shortlist")
@requires(can_reach_shortlists)
def show_shortlist(job_id: int) -> Any:
    job = _job(job_id, with_plan=True)
    form, shortlist, key, descending, sort_error = _filtered(job)
    args = _filter_args(form)
    sort_text = ("-" if descending else "") + key
    number = page_number()
    may_decide = can_view_shortlist(g.user, job)
    # The table and pager are kept with the cached rows (shortlist.derived), under everything
    # else they show: the job's title, sort, filters, page, the rows withheld from this viewer
    # (and the interviews they owe), whether the viewer may decide, the time zone times are
    # shown in, and where the app is mounted. Nothing else of the viewer is in them.
    fragment_key = (
        "show_shortlist",
        job.title,
        sort_text,
        tuple(args["state"]),
        args.get("round"),
        number,
        tuple(shortlist.withheld.items()),
        may_decide,
        viewer_zone(),
        request.script_root,
    )

    def table() -> bytes:
        rows = aggregates.sorted_rows(shortlist, key, descending)
        page = ListPage.of(rows, number, PER_PAGE)
        aggregates.load_criterion_means(page.items)
        # A row's HTML is kept across pages, sorts and payloads while it comes from the same
        # cached row (its source: the same list while the candidacy's figures stay), under
        # everything else it shows: the columns, whether the viewer may decide, the time zone,
        # the mount point, the job, and whether (and for which interview) it is withheld.
        columns = (tuple(shortlist.criteria), may_decide, viewer_zone(), request.script_root,
                   job.id)

        def row_key(row: aggregates.ShortlistRow) -> tuple[Any, ...]:
            return columns, row.candidacy.id, row.withheld, row.owed_interview_id

        def kept_row(row: aggregates.ShortlistRow) -> Markup | None:
            entry = _kept_rows.get(row_key(row))
            if entry is None or row.source is None or entry[0] is not row.source:
                return None
            return entry[1]

        def keep_row(row: aggregates.ShortlistRow, html: Markup) -> Markup:
            if row.source is not None:
                _kept_rows.put(row_key(row), row.source, html)
            return html

        def sort_link(column: str) -> tuple[str, str | None]:
            """The header link that sorts by ``column`` (again: the other way), and its
            aria-sort."""
            current = column == key
            wanted = column if not current or descending else "-" + column
            aria = ("descending" if descending else "ascending") if current else None
            return url_for(".show_shortlist", job_id=job.id, sort=wanted, **args), aria

        return render_template(
            "shortlist/_results.html",
            job=job,
            shortlist=shortlist,
            page=page,
            filter_args=args,
            sort=sort_text,
            sort_link=sort_link,
            can_decide=may_decide,
            criterion_cells=_criterion_cells(shortlist.criteria),
            tally_cell=_tally_cell(list(Recommendation)),
            candidacy_link=id_links("candidates.show_candidacy", "candidacy_id"),
            decide_link=id_links("shortlist.new_decision", "candidacy_id", job_id=job.id),
            kept_row=kept_row,
            keep_row=keep_row,
        ).encode()

    results: bytes = shortlist.derive(fragment_key, table)
    # The chart, kept likewise apart from the table (sorting or turning a page keeps it):
    # under the filters and the rows withheld from this viewer, the chart's only inputs.
    chart = shortlist.derive(
        ("shortlist_chart", tuple(args["state"]), args.get("round"), tuple(shortlist.withheld)),
        lambda: Markup(
            render_template(
                "shortlist/_distribution.html",
                shortlist=shortlist,
                distribution=aggregates.score_distribution(shortlist),
                chart=_chart,
            )
        ),
    )
    # The filter form, kept likewise under what it shows: the values asked for (as given, so
    # errors show the same), the plan's rounds to choose from, the sort, the mount point.
    filters_key = (
        "shortlist_filters",
        tuple(form.state.raw_data or ()),
        tuple(form.round.raw_data or ()),
        tuple((p.id, p.title) for p in job.planned_rounds),
        sort_text,
        request.script_root,
    )
    filters = shortlist.derive(
        filters_key,
        lambda: Markup(
            render_template("shortlist/_filters.html", job=job, form=form, sort=sort_text)
        ),
    )

    html = render_template(
        "shortlist/show.html",
        job=job,
        shortlist=shortlist,
        total=shortlist.total,
        filters=filters,
        filter_args=args,
        sort=sort_text,
        sort_error=sort_error,
        results=Markup(RESULTS_HERE),
        chart=chart,
        method=calibration.METHOD,
        scope_text=SCOPES[shortlist.calibration_scope],
    )
    db.session.commit()  # keeps the rows a cache miss computed
    # The kept table (most of the page: ~230 kB at 50 rows × 24 criteria) is kept as UTF-8
    # and spliced into the page as such: never copied, joined or encoded again per request.
    before, _, after = html.partition(RESULTS_HERE)
    return Response(
        b"".join((before.encode(), results, after.encode())),
        422 if sort_error else 200,
        mimetype="text/html",
    )


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: leading formula characters are quoted away."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@bp.get("/jobs/<int:job_id>/shortlist.csv")
@requires(can_reach_shortlists)
def export_shortlist(job_id: int) -> Any:
    job = _job(job_id, with_plan=True)
    _form, shortlist, key, descending, _sort_error = _filtered(job, all_means=True)
    rows = aggregates.sort_rows(shortlist.rows, key, descending)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = ["candidacy_id", "candidate", "email", "state", "rounds_done", "next_round"]
    for _cid, title in shortlist.criteria:
        header += [f"{title} (mean)", f"{title} (ratings)"]
    header += [r.value for r in Recommendation]
    header += [
        "spread",
        "missing_assessments",
        "raw_score",
        "calibrated_score",
        "last_decision",
        "last_decision_at",
        "last_decision_reason",
        "withheld",
    ]
    writer.writerow([csv_cell(cell) for cell in header])
    for row in rows:
        decision = row.last_decision
        # Contact details only for those who may see the candidate (recruiters, admins).
        email = row.candidate.email if can_view_candidate_contact(g.user) else ""
        cells: list[Any] = [
            row.candidacy.id,
            row.candidate.name,
            email,
            row.candidacy.state.value,
            row.rounds_done,
            row.next_round or "",
        ]
        # A withheld row's figures and decision reason stay empty (independence).
        for stat in row.per_criterion:
            cells += ["", ""] if row.withheld else [_number(stat.mean), stat.count]
        tally = row.recommendations
        cells += [("" if tally is None else tally[r.value]) for r in Recommendation]
        cells += [
            _number(row.spread),
            row.missing_assessments,
            _number(row.raw_score),
            _number(row.calibrated_score),
            decision.outcome.value if decision else "",
            decision.created_at.isoformat() if decision else "",
            decision.reason if decision and not row.withheld else "",
            "true" if row.withheld else "false",
        ]
        writer.writerow([csv_cell(cell) for cell in cells])
    db.session.commit()  # keeps the rows a cache miss computed
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="shortlist-job-{job.id}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- compare -------------------------------------------------------------------------------------


@bp.get("/jobs/<int:job_id>/shortlist/compare")
@requires(can_reach_shortlists)
def compare_candidacies(job_id: int) -> Any:
    job = _job(job_id)
    try:
        comparison = operations.compare(job, parse_ids(request.args.getlist("ids")), viewer=g.user)
    except RuleViolation as err:
        return render_template(
            "shortlist/compare.html", job=job, comparison=None, error=err.message
        ), 422
    _load_interviews(comparison)
    html = render_template(
        "shortlist/compare.html",
        job=job,
        comparison=comparison,
        error=None,
        method=calibration.METHOD,
        scope_text=SCOPES[comparison.calibration_scope],
        scale=SCALE,
        recommendations=list(Recommendation),
    )
    db.session.commit()  # keeps the rows a cache miss computed
    return html


def _load_interviews(comparison: operations.Comparison) -> None:
    """One query for the interviews the shown assessments belong to (their rounds come along)."""
    ids = {a.interview_id for item in comparison.candidacies for a in item.assessments}
    if ids:
        db.session.scalars(sa.select(Interview).where(Interview.id.in_(ids))).unique().all()


# --- decisions -----------------------------------------------------------------------------------


def decisions_context(
    candidacy: Candidacy, user: User, form: DecisionForm | None = None
) -> dict[str, Any]:
    """What the decisions section of a candidacy page shows (history, and the form if allowed).

    ``reasons_withheld_until``: the interview whose assessment the viewer owes first, while
    they owe one of this candidacy (then decision reasons are withheld from them), else None.
    """
    open_to_decide = can_decide(user, candidacy) and not candidacy.is_closed
    return {
        "decisions": operations.decisions_of(candidacy),
        "reasons_withheld_until": first_owed(user, candidacy),
        "decision_form": (form or DecisionForm(formdata=None)) if open_to_decide else None,
        "missing_assessments": operations.missing_assessments(candidacy) if open_to_decide else 0,
    }


def _render_decide(
    candidacy: Candidacy, form: DecisionForm | None = None, status: int = 200
) -> Any:
    return render_template(
        "shortlist/decide.html",
        candidacy=candidacy,
        job=candidacy.job,
        candidate=candidacy.candidate,
        **decisions_context(candidacy, g.user, form),
    ), status


@bp.get("/jobs/<int:job_id>/candidacies/<int:candidacy_id>/decide")
@requires(can_reach_shortlists)
def new_decision(job_id: int, candidacy_id: int) -> Any:
    return _render_decide(_candidacy(job_id, candidacy_id))


@bp.post("/jobs/<int:job_id>/candidacies/<int:candidacy_id>/decisions")
@requires(can_reach_shortlists)
def record_decision(job_id: int, candidacy_id: int) -> Any:
    candidacy = _candidacy(job_id, candidacy_id)
    form = DecisionForm()
    status = 422
    if form.validate_on_submit():
        try:
            decision = operations.record_decision(candidacy, actor=g.user, **form.values())
        except (RuleViolation, Conflict) as err:
            db.session.rollback()
            form.attach(err)
            status = err.status
        else:
            db.session.commit()
            flash(
                f"Decision recorded: {decision.outcome.title}. The candidacy is now "
                f"{candidacy.state.title.lower()}.",
                "info",
            )
            return redirect(
                url_for(
                    "candidates.show_candidacy", candidacy_id=candidacy.id, _anchor="decisions"
                ),
                303,
            )
    return _render_decide(candidacy, form, status)
