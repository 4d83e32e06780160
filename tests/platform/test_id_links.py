"""id_links: a table's links to many ids, built with one url_for, are the URLs url_for builds."""

from __future__ import annotations

from flask import url_for

from coordinator.validation import MAX_ID
from coordinator.web import id_links


def test_id_links_equal_url_for_for_every_id(app):
    with app.test_request_context("/", base_url="http://example.test/mounted"):
        link = id_links("shortlist.new_decision", "candidacy_id", job_id=7)
        for candidacy_id in (1, 7, 42, 2026, MAX_ID):
            assert link(candidacy_id) == url_for(
                "shortlist.new_decision", job_id=7, candidacy_id=candidacy_id
            )


def test_id_links_keep_the_mount_point(app):
    with app.test_request_context("/", base_url="http://example.test/mounted"):
        assert id_links("candidates.show_candidacy", "candidacy_id")(5).startswith("/mounted/")


def test_id_links_to_an_id_in_the_query_string_equal_url_for(app):
    """An id not in the path (here: a query argument) is still put where url_for puts it."""
    with app.test_request_context("/"):
        link = id_links("shortlist.show_shortlist", "page", job_id=3)
        assert link(2) == url_for("shortlist.show_shortlist", job_id=3, page=2)
