"""The candidate's pages, reached by a signed, expiring link instead of an account."""
