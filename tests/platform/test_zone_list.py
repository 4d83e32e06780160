"""The ~600-option zone list is built once per process, not on every page that offers it."""

from __future__ import annotations

from wtforms import widgets

from coordinator.portal.forms import ZoneForm


def test_zone_list_is_rendered_once_and_reused(app, monkeypatch):
    built = []
    original = widgets.DataListWidget.__call__

    def counting(self, datalist, field=None, **kwargs):
        built.append(datalist.id)
        return original(self, datalist, field, **kwargs)

    monkeypatch.setattr(widgets.DataListWidget, "__call__", counting)
    with app.test_request_context("/?tz=Asia/Tokyo"):
        first = ZoneForm(formdata=None).tz.datalist()
        again = ZoneForm(formdata=None).tz.datalist()

    assert '<option value="Europe/Berlin">' in first
    assert again == first
    assert len(built) <= 1  # at most the first render in this process builds the options
