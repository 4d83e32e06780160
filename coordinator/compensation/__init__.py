"""The compensation-discussion stage: expectations, band position, proposals, approval, outcome.

Figures here are among the most sensitive data held: only admins, recruiters and the job's own
hiring manager see them, and every read of them is written to the audit log.
"""
