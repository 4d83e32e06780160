"""Candidates and their candidacies (one candidate for one job)."""
