from ..forms import Form as FlaskForm
from wtforms import BooleanField, Field, HiddenField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from models import DESCRIPTION_MAX, PREFERENCES

from ..services.submission import CALLER_CHANNELS


class PostedAnswers(Field):
    """Every category's answers as posted, one field for them all: {"q_<category>_<question>": [values]}. Which
    names are questions depends on the active categories, which the view reads (reports.views.answers_in, which
    also cuts them to size); a WTForms field bound for each question of each category took ~0.6 ms of every
    request. Never drawn: the page draws the questions from the answers."""

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors, self.raw_data = [], []
        self.data = {} if formdata is None else {k: formdata.getlist(k) for k in formdata if k.startswith("q_")}


class ReportForm(FlaskForm):
    """Shape only; the rules (inside the area, category active, answers valid) live in the service."""
    latitude = StringField("Latitude", validators=[Optional(), Length(max=32)],
                           description="Decimal degrees, for example 51.4452")
    longitude = StringField("Longitude", validators=[Optional(), Length(max=32)],
                            description="Decimal degrees, for example -0.0209")
    postcode = StringField("Postcode or street name",
                           validators=[Optional(), Length(max=80, message="That is too long to be a postcode or a street name.")],
                           description="For example SE6 4RU or Rushey Green. We put the pin at its middle; move it if you can.")
    category = SelectField("Category", validate_choice=False)
    description = TextAreaField("Describe the problem", validators=[Length(max=DESCRIPTION_MAX * 100)],
                                description=f"What and where exactly, up to {DESCRIPTION_MAX:,} characters. "
                                            "Do not include personal details.")
    photos = MultipleFileField("Photos (optional)",
                               description="Up to three photos: JPEG, PNG, WebP or HEIC, at most 10 MB each. "
                                           "We remove their hidden data (such as location and camera) before "
                                           "storing them.")
    pending_photos = HiddenField()
    anonymous = BooleanField("Hide my name on the public page", default=True)
    submission_token = HiddenField()
    answers = PostedAnswers()
    #: Which button sent the form: "submit", or "submit_new" (a different problem from the ones nearby).
    action = StringField(validators=[Length(max=20)])
    # Reporting without an account, or staff reporting for a caller: checked by the submission service.
    email = StringField("Your email address", validators=[Length(max=320)],
                        description="We will email you a link to confirm the report. We never show it publicly.")
    your_name = StringField("Your name (optional)", validators=[Optional(), Length(max=80)])
    channel = SelectField("How did they reach us?", validate_choice=False,
                          choices=[SelectChoice("", "It is my own report"),
                                   *(SelectChoice(value, label) for value, label in CALLER_CHANNELS.items())])
    # Staff reporting for a caller: the caller's phone and how they want to hear back (checked by the service).
    phone = StringField("Caller's phone number", validators=[Length(max=60, message="That is too long to be a "
                                                                                  "phone number.")],
                        description="We find the caller's record by their email address or phone number.")
    preference = SelectField("How do they want to hear from us?", validate_choice=False,
                             choices=[SelectChoice("", "Email if they gave one, else phone"),
                                      *(SelectChoice(value, label) for value, label in PREFERENCES.items())])
