"""Candidate mail wording that recruiters edit: subject and body with placeholders."""
