"""The candidate mails whose wording recruiters may change: each one's placeholders (with what
they stand for and a sample for previews) and its default wording in placeholder syntax.

The built-in Jinja templates under ``templates/email/`` stay the default that is sent until a
recruiter saves their own wording; the defaults below say the same in the placeholder syntax, so
that the editor starts from the words candidates get today.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Placeholder:
    name: str
    meaning: str
    sample: str
    #: Several lines (a list of people, the changes): allowed in the body only.
    multi_line: bool = False


@dataclass(frozen=True)
class MessageKind:
    key: str
    title: str
    when: str
    #: The Jinja template (without extension) this wording replaces when customised.
    template: str
    placeholders: tuple[Placeholder, ...]
    subject: str
    body: str

    def placeholder(self, name: str) -> Placeholder | None:
        return next((p for p in self.placeholders if p.name == name), None)


_CANDIDATE = (
    Placeholder("candidate_name", "the candidate's name", "Ada Lovelace"),
    Placeholder("company", "your company's name", "Example Ltd"),
    Placeholder("job_title", "the job's title", "Backend Engineer"),
    Placeholder("round_title", "the round's title", "Technical interview"),
    Placeholder("recruiter_name", "the recruiter the candidate deals with (empty if none)",
                "Rita Recruiter"),
    Placeholder("recruiter_email", "that recruiter's address (empty if none)",
                "rita@example.com"),
)
_SIGNATURE = Placeholder(
    "signature", "the sign-off: the recruiter and company, and how to reply",
    "-- \nRita Recruiter, Example Ltd\n"
    "Questions? Reply to this message to reach Rita Recruiter <rita@example.com>.",
    multi_line=True)
_PORTAL = Placeholder("portal_url", "the candidate's private page (a signed link)",
                      "https://coordinator.example/portal/sample-link")
_INTERVIEW = (
    Placeholder("interview_time", "when, in the candidate's time zone",
                "Mon 29 Mar 2027, 10:00 – 11:00"),
    Placeholder("time_zone", "the candidate's time zone", "Europe/Berlin"),
    Placeholder("place", "the room, or “by video”, or “to be confirmed”", "Room 4.01"),
    Placeholder("video_link", "a line “Join: ” and the video call's address (empty if none)",
                "Join: https://video.example/room-42"),
    Placeholder("panel", "the people the candidate meets, one line each", (
        "- Pat Peer, Senior Engineer (peer, new to you)\n"
        "- Sam Supervisor, Engineering Manager (supervisor, you met before)"), multi_line=True),
    Placeholder("compensation_notice",
                "a sentence saying pay will be discussed (empty when it will not)",
                "Compensation will be discussed in this interview. Please come ready to talk "
                "about your salary requirements, and when you could start.", multi_line=True),
)

# The interview's when, where and who, shared by the invitation, its update and the reminder.
_INTERVIEW_DETAILS = """When:  {interview_time}
Where: {place}
{video_link}

You will meet:
{panel}

{compensation_notice}
"""

# The invitation after its greeting; the update repeats it in full below what changed.
_INVITATION_TEXT = """{company} invites you to an interview for {job_title}: {round_title}.

""" + _INTERVIEW_DETAILS + """
Your page with every round, the people you will meet, calendar files and a form to say \
when you are available:
{portal_url}

{signature}
"""

_INVITATION_BODY = """Hello {candidate_name},

""" + _INVITATION_TEXT

_UPDATE_BODY = """Hello {candidate_name},

Your interview has changed. The details below replace the earlier invitation.

What changed:
{changes}

""" + _INVITATION_TEXT

_CANCELLATION_BODY = """Hello {candidate_name},

Your interview with {company} for {job_title} ({round_title}) on {interview_time} \
is cancelled. It is removed from your calendar with this message. \
We will be in touch about what happens next.

{signature}
"""

_REMINDER_BODY = """Hello {candidate_name},

A reminder of your interview with {company} for {job_title}: {round_title}.

""" + _INTERVIEW_DETAILS + """
Your page, with every round, the people you will meet and calendar files:
{portal_url}

{signature}
"""

_SELF_SCHEDULE_BODY = """Hello {candidate_name},

Please pick a time for your next interview for {job_title}: "{round_title}", \
{duration_minutes} minutes.

Choose the time that suits you here (the page shows the free times in your time zone):
{booking_url}

Please choose before {deadline}.

{signature}
"""

_ITINERARY_BODY = """Hello {candidate_name},

{company} invites you to an interview day for {job_title}: {round_title}.

When:  {interview_time}
Where: {place}
{video_link}

Your day (times in {time_zone}):
{itinerary}

Each session also comes as its own calendar invitation.

Your page with every round, the people you will meet and calendar files:
{portal_url}

{signature}
"""

KINDS: tuple[MessageKind, ...] = (
    MessageKind(
        "interview_invitation", "Interview invitation",
        "A candidate's interview is booked (with its calendar invitation).",
        "interview_candidate", (*_CANDIDATE, *_INTERVIEW, _PORTAL, _SIGNATURE),
        "Interview: {job_title} — {round_title}", _INVITATION_BODY),
    MessageKind(
        "interview_update", "Interview changed",
        "A booked interview's time, place or panel changes (with the updated invitation).",
        "interview_candidate", (
            *_CANDIDATE, *_INTERVIEW,
            Placeholder("changes", "what changed, old → new, one line each",
                        "- Time: Mon 29 Mar 2027, 10:00 → Tue 30 Mar 2027, 14:00",
                        multi_line=True),
            _PORTAL, _SIGNATURE),
        "Updated: Interview: {job_title} — {round_title}", _UPDATE_BODY),
    MessageKind(
        "interview_cancellation", "Interview cancelled",
        "A booked interview is cancelled (with the calendar cancellation).",
        "interview_candidate", (
            *_CANDIDATE,
            Placeholder("interview_time", "when it was to start, in the candidate's time zone",
                        "Mon 29 Mar 2027, 10:00"),
            _SIGNATURE),
        "Cancelled: Interview: {job_title} — {round_title}", _CANCELLATION_BODY),
    MessageKind(
        "interview_reminder", "Interview reminder",
        "The day before an interview.",
        "reminder_candidate", (*_CANDIDATE, *_INTERVIEW, _PORTAL, _SIGNATURE),
        "Reminder: your interview for {job_title} on {interview_time}", _REMINDER_BODY),
    MessageKind(
        "self_schedule_offer", "Self-scheduling offer",
        "A recruiter offers the candidate to pick their own time.",
        "self_schedule_offer", (
            *_CANDIDATE,
            Placeholder("duration_minutes", "how long the interview lasts, in minutes", "45"),
            Placeholder("booking_url", "the page where the candidate picks a time (a signed link)",
                        "https://coordinator.example/portal/self-schedule/sample-link"),
            Placeholder("deadline", "until when the offer stands, in the candidate's time zone",
                        "Fri 26 Mar 2027, 17:00"),
            _SIGNATURE),
        "Pick a time for your interview: {job_title}", _SELF_SCHEDULE_BODY),
    MessageKind(
        "loop_itinerary", "Interview day itinerary",
        "A day of back-to-back interviews is booked (each session also has its invitation).",
        "loop_itinerary", (
            *_CANDIDATE,
            Placeholder("day", "the day, in the candidate's time zone", "Mon 29 Mar 2027"),
            Placeholder("interview_time", "from the first start to the last end",
                        "Mon 29 Mar 2027, 09:00 – 13:00"),
            Placeholder("time_zone", "the candidate's time zone", "Europe/Berlin"),
            Placeholder("place", "the room, or “by video”, or “to be confirmed”", "Room 4.01"),
            Placeholder("video_link",
                        "a line “Join: ” and the video call's address (empty if none)",
                        "Join: https://video.example/day-7"),
            Placeholder("itinerary", "each session and break with its times and people", (
                "09:00–10:00  Technical interview\n    with Pat Peer, Senior Engineer\n\n"
                "10:00–10:15  Break (15 minutes)\n\n"
                "10:15–11:00  Team fit\n    with Sam Supervisor, Engineering Manager"),
                multi_line=True),
            _PORTAL, _SIGNATURE),
        "Your interview day: {job_title} — {day}", _ITINERARY_BODY),
)

BY_KEY: dict[str, MessageKind] = {kind.key: kind for kind in KINDS}
#: The Jinja templates some wording can replace.
TEMPLATES: frozenset[str] = frozenset(kind.template for kind in KINDS)

SUBJECT_MAX = 200
BODY_MAX = 10_000
