"""Forms of the notices pages: the emailed links' buttons (CSRF only), the rating of a fix and the password
that turns a walk-in contact into an account."""
from wtforms import HiddenField, PasswordField
from wtforms.validators import InputRequired, Length

from ..forms import Form, RadioChoiceField, optional_id

SCORES = [(5, "5 – very well"), (4, "4"), (3, "3"), (2, "2"), (1, "1 – badly")]


class TokenForm(Form):
    """CSRF only: the button behind an emailed link."""
    token = HiddenField()


class RateForm(Form):
    score = RadioChoiceField("How well was it fixed?", coerce=optional_id, choices=SCORES,
                             message="Choose a rating from 1 to 5.",
                             validators=[InputRequired("Choose a rating from 1 to 5.")])


class ClaimForm(Form):
    """The password rule is the service's (the same as at sign-up)."""
    password = PasswordField("Password", description="At least 10 characters.",
                             validators=[Length(max=200, message="Keep the password under 200 characters.")])
