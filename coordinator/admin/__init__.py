"""Admin pages: the mail outbox (failed messages can be retried) and the audit log."""
