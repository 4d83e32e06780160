"""Who gets what on every route: one row per endpoint, reviewed by a person.

A row says which status each actor gets (see ``ACTORS`` in conftest.py): ``ok(status, *actors)``
gives ``status`` to the actors named, other statuses by keyword (``panel=422``), and ``403`` to
every other signed-in actor. Anonymous visitors get ``401`` on the API and are sent to sign in
(``302``) on pages unless ``anonymous=`` says otherwise. ``query=`` is appended to the URL.

The walker requests each page with GET (POST for a POST-only page, with an empty form), and each
API route with its declared method and an empty JSON object as the body, so a refused body shows
that the access checks before it let the actor through (``422``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Signed-in actors (see conftest.ACTORS).
SIGNED_IN = ("admin", "recruiter", "hiring_manager", "other_manager", "panel", "interviewer")
STAFF = ("admin", "recruiter")
#: Staff and the job's own hiring manager.
DECIDERS = (*STAFF, "hiring_manager")


@dataclass(frozen=True)
class Row:
    statuses: dict[str, int]
    anonymous: int | None = None
    query: str = ""
    notes: str = field(default="", compare=False)

    def expected(self, api: bool) -> dict[str, int]:
        anonymous = self.anonymous if self.anonymous is not None else (401 if api else 302)
        return {"anonymous": anonymous,
                **{actor: self.statuses.get(actor, 403) for actor in SIGNED_IN}}


def ok(status: int, *actors: str, anonymous: int | None = None, query: str = "",
       **others: int) -> Row:
    """``status`` for ``actors``, the keyword statuses for those actors, 403 for the rest."""
    unknown = (set(actors) | set(others)) - set(SIGNED_IN)
    assert not unknown, f"unknown actors {sorted(unknown)}"
    return Row({**dict.fromkeys(actors, status), **others}, anonymous=anonymous, query=query)


def everyone(status: int, **others: int) -> Row:
    return ok(status, *SIGNED_IN, **others)


EXPECTED: dict[str, Row] = {
    # --- pages ------------------------------------------------------------------------------------
    # (a route about one person, /users/<user_id>/..., names the panel member: "panel" is self)
    "accounts.change_password": everyone(422),
    "accounts.confirm_email_change": everyone(404),
    "accounts.create_token": everyone(422),
    "accounts.end_session": everyone(303),
    "accounts.edit_user": ok(200, "admin"),
    "accounts.list_users": ok(200, "admin"),
    "accounts.login": everyone(200, anonymous=200),
    "accounts.logout": everyone(303),
    "accounts.new_user": ok(200, "admin"),
    "accounts.profile": everyone(200),
    "accounts.request_email_change": everyone(422),
    "accounts.revoke_token": everyone(303),
    "accounts.sign_out_everywhere": everyone(303),
    "admin.list_audit": ok(200, "admin"),
    "admin.list_outbox": ok(200, "admin"),
    "admin.retry_message": ok(303, "admin"),
    "admin.list_webhooks": ok(200, "admin"),
    "admin.create_webhook": ok(422, "admin"),  # an empty form
    "admin.delete_webhook": ok(303, "admin"),
    "admin.retry_webhook_delivery": ok(303, "admin"),
    "message_templates.list_message_templates": ok(200, *STAFF),
    "message_templates.edit_message_template": ok(200, *STAFF),
    "message_templates.save_message_template": ok(422, *STAFF),  # an empty form
    "message_templates.reset_message_template": ok(303, *STAFF),
    "assessments.edit_assessment": ok(302, "panel"),  # submitted: sent to read it
    "assessments.reopen_assessment": ok(200, *STAFF),
    "assessments.show_assessment": ok(200, *DECIDERS, "panel"),
    "candidates.edit_candidate": ok(200, *STAFF),
    "candidates.list_candidates": everyone(200),
    "candidates.new_candidate": ok(200, *STAFF),
    "candidates.open_candidacy": ok(422, *STAFF),
    "candidates.show_candidacy": ok(200, *DECIDERS, "panel"),
    "candidates.show_candidate": ok(200, *STAFF),
    "compensation.add_proposal": ok(422, *DECIDERS),
    "compensation.conclude": ok(422, *DECIDERS),
    "compensation.decide_approval": ok(422, "admin", "hiring_manager"),
    "compensation.open_stage": ok(303, *DECIDERS),
    "compensation.set_expectations": ok(422, *DECIDERS),
    "compensation.show_stage": ok(200, *DECIDERS),
    "dashboard.index": everyone(200),
    "feeds.create_feed": everyone(201),
    "feeds.revoke_feed": everyone(303),
    "feeds.show_feed": everyone(200, anonymous=200),
    # everyone's own calendar source, on their profile
    "scheduling.edit_calendar_source": everyone(200),
    "scheduling.sync_calendar_source": everyone(303),
    "scheduling.remove_calendar_source": everyone(303),
    "health.live": everyone(200, anonymous=200),
    "health.ready": everyone(200, anonymous=200),
    "jobs.edit_job": ok(200, *STAFF),
    "jobs.edit_planned_round": ok(200, *STAFF),
    "jobs.list_jobs": everyone(200),
    "jobs.move_planned_round": ok(303, *STAFF),
    "jobs.new_job": ok(200, *STAFF),
    "jobs.new_planned_round": ok(200, *STAFF),
    "jobs.open_candidacy": ok(422, *STAFF),
    "jobs.remove_planned_round": ok(422, *STAFF),  # the candidacy uses the round
    "jobs.show_job": ok(200, *DECIDERS, "panel"),
    "portal.answer_invite": everyone(422, anonymous=422),  # the signed link admits
    "portal.download_ics": everyone(200, anonymous=200),
    "portal.give_availability": everyone(422, anonymous=422),  # the signed link admits
    "portal.issue_link": ok(201, *STAFF),
    "portal.show_portal": everyone(200, anonymous=200),
    "portal.show_self_schedule": everyone(200, anonymous=200),  # the signed link admits
    "portal.pick_self_schedule_slot": everyone(422, anonymous=422),  # the signed link admits
    "portal.repick_self_schedule_slot": everyone(422, anonymous=422),  # the signed link admits
    "scheduling.answer_invite": ok(422, "panel"),  # only the person in the seat answers
    "scheduling.book_day": ok(400, *STAFF),  # the empty form lacks the proposal
    "scheduling.book_suggestion": ok(400, *STAFF),  # the empty form lacks the suggestion
    "scheduling.cancel_interview": ok(200, *STAFF),
    "scheduling.candidate_availability": ok(200, *STAFF),
    "scheduling.edit_interview": ok(200, *STAFF),
    "scheduling.import_busy": ok(200, *STAFF, "panel"),
    "scheduling.limits": ok(200, *STAFF),
    "scheduling.new_interview": ok(200, *STAFF),
    "scheduling.offer_self_schedule": ok(200, *STAFF),
    "scheduling.withdraw_self_schedule": ok(303, *STAFF),
    "scheduling.open_round": ok(303, *STAFF),
    "scheduling.show_interview": ok(200, *DECIDERS, "panel"),
    "scheduling.plan_day": ok(200, *STAFF),
    "scheduling.show_round": ok(200, *STAFF),
    "scheduling.suggest_slots": ok(200, *STAFF),
    "scheduling.working_hours": ok(200, "admin", "panel"),
    "scheduling.week_view": ok(200, *STAFF),
    "pipeline.act_on_pipeline": ok(422, *DECIDERS),
    "pipeline.show_pipeline": ok(200, *DECIDERS),
    "shortlist.compare_candidacies": ok(422, *DECIDERS),
    "shortlist.export_shortlist": ok(200, *DECIDERS),
    "shortlist.new_decision": ok(200, *DECIDERS),
    "shortlist.record_decision": ok(422, *DECIDERS),
    "shortlist.show_shortlist": ok(200, *DECIDERS),
    "static": everyone(200, anonymous=200),
    # --- API (/api/v1) ----------------------------------------------------------------------------
    "api.add_planned_round": ok(422, *STAFF),
    "api.cancel_interview": ok(422, *STAFF),
    "api.compare_candidacies": ok(422, *DECIDERS),
    "api.create_candidate": ok(422, *STAFF),
    "api.create_feed": ok(201, "admin", "panel"),  # user_id is the panel member
    # the panel member has no calendar source in the world: 404 once allowed
    "api.show_calendar_source": ok(404, "admin", "panel"),
    "api.put_calendar_source": ok(422, "admin", "panel"),
    "api.delete_calendar_source": ok(204, "admin", "panel"),
    "api.sync_calendar_source": ok(404, *STAFF, "panel"),
    "api.create_job": ok(422, *STAFF),
    "api.create_user": ok(422, "admin"),
    "api.decide_compensation_approval": ok(422, "admin", "hiring_manager"),
    "api.get_availability": ok(200, *STAFF),
    "api.get_working_hours": ok(200, *STAFF, "panel"),
    "api.import_busy": ok(422, *STAFF, "panel"),
    "api.issue_portal_link": ok(201, *STAFF),
    "api.offer_self_schedule": ok(422, *STAFF),
    "api.show_self_schedule": ok(200, *STAFF),
    "api.withdraw_self_schedule": ok(200, *STAFF),
    "api.self_schedule_slots": everyone(200, anonymous=200),  # the signed link admits
    "api.self_schedule_book": everyone(422, anonymous=422),  # the signed link admits
    "api.self_schedule_slots_at_link": everyone(200, anonymous=200),  # /s/<token>/slots
    "api.self_schedule_book_at_link": everyone(422, anonymous=422),  # /s/<token>/book
    "api.job_pipeline": ok(200, *DECIDERS),
    "api.self_schedule_reschedule": everyone(422, anonymous=422),  # the signed link admits
    "api.self_schedule_reschedule_at_link": everyone(422, anonymous=422),  # <link>/reschedule
    "api.job_shortlist": ok(200, *DECIDERS),
    "api.list_candidacies": ok(200, *STAFF),
    "api.list_candidacy_assessments": ok(200, *DECIDERS, "panel"),
    "api.list_candidates": everyone(200),
    "api.list_interview_assessments": ok(200, *DECIDERS, "panel"),
    "api.list_jobs": everyone(200),
    "api.list_outbox": ok(200, "admin"),
    "api.list_rounds": ok(200, *STAFF),
    "api.loop_suggestions": ok(422, *STAFF),
    "api.list_users": ok(200, *STAFF),
    "api.open_candidacy": ok(422, *STAFF),
    "api.open_compensation": ok(409, *DECIDERS),  # the stage is open already
    "api.open_round": ok(422, *STAFF),
    "api.book_loop": ok(422, *STAFF),
    "api.openapi_document": everyone(200, anonymous=200),
    "api.put_availability": ok(422, *STAFF),
    "api.put_limits": ok(200, *STAFF),
    "api.put_my_assessment": ok(409, "panel"),  # already submitted
    "api.put_working_hours": ok(422, "admin", "panel"),
    "api.record_decision": ok(422, *DECIDERS),
    "api.remove_planned_round": ok(409, *STAFF),  # the candidacy uses the round
    "api.reopen_assessment": ok(422, *STAFF),
    "api.request_email_change": ok(422, "panel"),  # self only; user_id is the panel member
    "api.reorder_plan": ok(422, *STAFF),
    "api.respond_to_interview": ok(422, "panel"),  # only the person in the seat answers
    "api.retry_outbox_message": ok(200, "admin"),
    "api.list_webhooks": ok(200, "admin"),
    "api.create_webhook": ok(422, "admin"),
    "api.delete_webhook": ok(204, "admin"),
    "api.list_message_templates": ok(200, *STAFF),
    "api.get_message_template": ok(200, *STAFF),
    "api.put_message_template": ok(422, *STAFF),
    "api.reset_message_template": ok(200, *STAFF),
    "api.revoke_feed": ok(204, "admin", "panel"),
    "api.schedule_interview": ok(422, *STAFF),
    "api.show_assessment": ok(200, *DECIDERS, "panel"),
    "api.show_candidacy": ok(200, *DECIDERS, "panel"),
    "api.show_candidate": ok(200, *DECIDERS, "panel"),
    "api.show_compensation": ok(200, *DECIDERS),
    "api.show_interview": ok(200, *DECIDERS, "panel"),
    "api.show_job": ok(200, *DECIDERS, "panel"),
    "api.show_me": everyone(200),
    "api.show_my_assessment": ok(200, "panel"),
    "api.show_plan": ok(200, *STAFF),
    "api.show_round": ok(200, *STAFF),
    "api.show_scorecard": ok(200, *DECIDERS, "panel"),
    "api.pipeline_actions": ok(422, *DECIDERS),
    "api.shortlist_chart": ok(200, *DECIDERS),
    "api.show_user": ok(200, *STAFF, "panel"),
    "api.slot_suggestions": ok(422, *STAFF),
    "api.update_candidate": ok(200, *STAFF),
    "api.update_compensation": ok(422, *DECIDERS),
    "api.update_interview": ok(422, *STAFF),
    "api.update_job": ok(422, *STAFF),
    "api.update_planned_round": ok(422, *STAFF),
    "api.update_user": ok(200, "admin", "panel"),
}
