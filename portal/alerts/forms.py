from wtforms.fields.choices import SelectChoice
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import Form, ValidEmail

FREQUENCY_CHOICES = [SelectChoice("instant", "As they happen"), SelectChoice("daily", "One email a day at most")]
RADII = [SelectChoice("200", "200 metres"), SelectChoice("500", "500 metres"), SelectChoice("1000", "1 kilometre"),
         SelectChoice("2000", "2 kilometres")]


class AlertForm(Form):
    """Shape only; the rules (a known ward or place inside the council, 200 m to 2 km, known categories) are in
    services/alerts.py."""
    kind = RadioField("Where?", choices=[SelectChoice("radius", "Near a postcode or street"),
                                         SelectChoice("ward", "In a ward"),
                                         SelectChoice("council", "Anywhere in the council area")],
                      default="radius", validate_choice=False)
    place = StringField("Postcode or street name", validators=[Optional(), Length(max=100)],
                        description="For example SE6 4RU or Rushey Green.")
    radius = SelectField("Within", choices=RADII, default="500", validate_choice=False)
    latitude = StringField("Latitude (instead of a postcode)", validators=[Optional(), Length(max=32)],
                           description="Decimal degrees, for example 51.4452")
    longitude = StringField("Longitude", validators=[Optional(), Length(max=32)],
                            description="Decimal degrees, for example -0.0209")
    ward = SelectField("Ward", validate_choice=False)
    categories = SelectMultipleField("Only these problems (optional)", validate_choice=False,
                                     widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                     description="Choose none to hear about every kind of problem.")
    new_reports = BooleanField("New reports", default=True)
    fixes = BooleanField("Problems fixed")
    frequency = RadioField("How often?", choices=FREQUENCY_CHOICES, default="instant", validate_choice=False)
    email = StringField("Your email address", validators=[Optional(), ValidEmail()],
                        description="We will email you a link to confirm. Every alert email has a link to stop it.")


class FrequencyForm(Form):
    """How often one alert is sent (one such form per alert on a page: ``id_suffix``)."""
    frequency = SelectField("How often", choices=FREQUENCY_CHOICES, validate_choice=False)


class ButtonForm(Form):
    """CSRF only."""
