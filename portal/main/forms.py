"""The home page's forms, all GET (a neighbourhood page and a report page are shareable addresses), so no
CSRF token: "where are you?" (postcode or coordinates) and "follow a report". Shape only here; the rules
(known postcode, inside the council) in services/neighbourhood.py."""
from wtforms import StringField
from wtforms.validators import Length

from ..forms import Form, QueryForm


def _reference(value) -> str:
    ref = (value or "").strip().upper()[:12]
    return "KB-" + ref if ref and not ref.startswith("KB-") else ref


class FindForm(QueryForm):
    """Any text is looked up (an unknown reference is the report page's 404, with its explanation)."""
    reference = StringField("Report reference", filters=[_reference],
                            description="It looks like KB-7QF3K and is in your confirmation.")


class PostcodeForm(Form):
    class Meta:
        csrf = False

    postcode = StringField("Postcode or street", validators=[Length(max=100, message=(
        "A postcode has at most 8 letters and digits, like SE6 4RU, and a street name at most 100 characters."))],
                           description="For example SE6 4RU, or Rushey Green.")


class CoordinatesForm(Form):
    class Meta:
        csrf = False

    lat = StringField("Latitude", validators=[Length(max=32, message="The latitude is too long to be a "
                                                                       "coordinate.")],
                      description="Decimal degrees, like 51.4452.")
    lon = StringField("Longitude", validators=[Length(max=32, message="The longitude is too long to be a "
                                                                        "coordinate.")],
                      description="Decimal degrees, like -0.0205 (west of Greenwich is negative).")
