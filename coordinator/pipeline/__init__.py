"""A job's pipeline: its candidacies by round and status, and bulk actions on a selection."""
