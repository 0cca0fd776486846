from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import Form


class NewKeyForm(Form):
    name = StringField("Who is the key for?", validators=[DataRequired("Name the app or system the key is for."),
                                                          Length(max=80)],
                       description="For example “Lewisham CRM” or “StreetFix app”. Names are unique.")
    may_update = BooleanField("May post status updates (council back-office systems only)")


class RevokeKeyForm(Form):
    pass
