from wtforms import HiddenField, RadioField

from ..forms import Form


class PreferencesForm(Form):
    contact_preference = RadioField("How should we tell you about your reports?",
                                    choices=[("email", "By email"), ("none", "Do not contact me")],
                                    default="email")


class RateForm(Form):
    score = RadioField("How well was it fixed?", choices=[(str(n), str(n)) for n in range(5, 0, -1)])


class TokenForm(Form):
    token = HiddenField()
