from __future__ import annotations

from wtforms import PasswordField, SelectChoice, StringField
from wtforms.validators import DataRequired, Length

from coordinator.forms import CheckboxListField, Form
from coordinator.webhooks.models import EVENTS


class WebhookForm(Form):
    url = StringField("Receiver URL", validators=[DataRequired("Give the receiver's URL."),
                                                  Length(max=2000)],
                      description="http:// or https://; deliveries are POSTed here.")
    events = CheckboxListField("Events", choices=[SelectChoice(name, name) for name in EVENTS],
                               validators=[DataRequired("Choose at least one event.")])
    secret = PasswordField("Signing secret", validators=[DataRequired("Give a secret."),
                                                         Length(min=16, max=200)],
                           description="16 to 200 characters. Each body is signed with it "
                                       "(HMAC-SHA256); it is not shown again.")
