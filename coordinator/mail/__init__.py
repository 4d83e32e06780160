"""Durable mail: messages are outbox rows written in the caller's transaction, delivered by a
worker over SMTP (or into .eml files when no SMTP server is configured), retried with backoff.
This package knows no domain."""
