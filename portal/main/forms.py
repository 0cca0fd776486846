"""The home page's forms, all GET (a neighbourhood page and a report page are shareable addresses), so no
CSRF token: "where are you?" (postcode or coordinates) and "follow a report". Shape only here; the rules
(known postcode, inside the council) in services/neighbourhood.py."""
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from ..forms import Form, QueryForm


def _reference(value) -> str:
    """KB-7QF3K however it was typed: any case, with spaces or dashes, with or without "KB"."""
    ref = "".join(ch for ch in (value or "").upper() if not ch.isspace() and ch != "-")[:12]
    ref = ref[2:] if ref.startswith("KB") else ref
    return "KB-" + ref if ref else ""


class FindForm(QueryForm):
    """A report's reference, in its shape; whether there is such a report (that the viewer may see) is the
    view's to say."""
    reference = StringField("Report reference", filters=[_reference], validators=[
        DataRequired("Enter the report's reference, like KB-7QF3K."),
        Regexp(r"^KB-[0-9A-Z]{5,8}$", message="A reference looks like KB-7QF3K: KB and five to eight letters "
                                              "and digits. Check it in your confirmation email.")],
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
