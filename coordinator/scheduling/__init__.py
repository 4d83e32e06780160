"""Scheduling: rounds, interviews, panels, conflicts, availability and slot suggestions."""
