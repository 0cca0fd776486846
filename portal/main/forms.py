"""The home page's "where are you?" forms: GET (a neighbourhood page is a shareable address), so no CSRF
token; shape only here, the rules (known postcode, inside the council) in services/neighbourhood.py."""
from wtforms import StringField
from wtforms.validators import Length

from ..forms import Form


class PostcodeForm(Form):
    class Meta:
        csrf = False

    postcode = StringField("Postcode", validators=[Length(max=10, message="A postcode has at most 8 letters and "
                                                                            "digits, like SE6 4RU.")],
                           description="For example SE6 4RU.")


class CoordinatesForm(Form):
    class Meta:
        csrf = False

    lat = StringField("Latitude", validators=[Length(max=32, message="The latitude is too long to be a "
                                                                       "coordinate.")],
                      description="Decimal degrees, like 51.4452.")
    lon = StringField("Longitude", validators=[Length(max=32, message="The longitude is too long to be a "
                                                                        "coordinate.")],
                      description="Decimal degrees, like -0.0205 (west of Greenwich is negative).")
