"""Placeholder values from the context a composer already built for its Jinja template, so
that composers pass what they have and nothing is computed twice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import render_template

from coordinator.message_templates.catalogue import MessageKind


def values_for(kind: MessageKind, context: Mapping[str, Any]) -> dict[str, str]:
    """Every placeholder of ``kind`` as text, from a composer's template context."""
    candidate, job, round_ = context.get("candidate"), context.get("job"), context.get("round")
    recruiter = context.get("recruiter")
    values = {
        "candidate_name": _text(getattr(candidate, "name", "")),
        "company": _text(context.get("company")),
        "job_title": _text(getattr(job, "title", "")),
        "round_title": _text(getattr(round_, "title", "")),
        "recruiter_name": _text(getattr(recruiter, "name", "")),
        "recruiter_email": _text(getattr(recruiter, "email", "")),
        "signature": render_template("email/_candidate_signoff.txt", **context).strip("\n"),
        "portal_url": _text(context.get("portal_url")),
        "time_zone": _text(context.get("zone")),
        "place": _place(context),
        "video_link": _video_link(context),
        "panel": _panel(context.get("panel") or ()),
        "compensation_notice": (
            "Compensation will be discussed in this interview. Please come ready to talk about "
            "your salary requirements, and when you could start."
            if context.get("compensation") else ""),
        "changes": "\n".join(f"- {line}" for line in context.get("changes") or ()),
    }
    when, until = _text(context.get("when")), _text(context.get("until"))
    values["interview_time"] = (
        when if kind.key == "interview_cancellation" or not until else f"{when} – {until}")
    if kind.key == "self_schedule_offer":
        request = context.get("request")
        values["duration_minutes"] = _text(getattr(request, "duration_minutes", ""))
        values["booking_url"] = _text(context.get("url"))
        values["deadline"] = _text(context.get("deadline"))
    if kind.key == "loop_itinerary":
        values["day"] = _text(context.get("day"))
        values["itinerary"] = _itinerary(context.get("items") or ())
    return {p.name: values.get(p.name, "") for p in kind.placeholders}


def sample_values(kind: MessageKind) -> dict[str, str]:
    return {p.name: p.sample for p in kind.placeholders}


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _place(context: Mapping[str, Any]) -> str:
    interview = context.get("interview")
    location = getattr(interview, "location", None) if interview is not None \
        else context.get("location")
    video = getattr(interview, "video_url", None) if interview is not None \
        else context.get("video_url")
    return location or ("by video" if video else "to be confirmed")


def _video_link(context: Mapping[str, Any]) -> str:
    interview = context.get("interview")
    video = getattr(interview, "video_url", None) if interview is not None \
        else context.get("video_url")
    return f"Join: {video}" if video else ""


def _panel(panel: Any) -> str:
    lines = []
    for seat in panel:
        user, relationship = seat[0], seat[1]
        title = f", {user.job_title}" if user.job_title else ""
        detail = relationship.title.lower()
        if len(seat) > 2:
            detail += ", you met before" if seat[2] else ", new to you"
        lines.append(f"- {user.name}{title} ({detail})")
    return "\n".join(lines)


def _itinerary(items: Any) -> str:
    blocks = []
    for item in items:
        if item["break"]:
            blocks.append(f"{item['from']}–{item['until']}  Break ({item['minutes']} minutes)")
        else:
            people = "".join(f"\n    with {name}" + (f", {job_title}" if job_title else "")
                             for name, job_title in item["people"])
            blocks.append(f"{item['from']}–{item['until']}  {item['title']}{people}")
    return "\n\n".join(blocks)
