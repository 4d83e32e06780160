from __future__ import annotations

from wtforms import StringField, TextAreaField

from coordinator.forms import Form


class MessageTemplateForm(Form):
    """The two fields; their rules (required, length, placeholders) are checked together by
    :func:`coordinator.message_templates.operations.check`, so every problem shows at once."""

    subject = StringField("Subject")
    body = TextAreaField("Text", render_kw={"rows": 18})
