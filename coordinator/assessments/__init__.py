"""Assessments: scorecards filled by interviewers, independent until submitted, with follow-up."""
