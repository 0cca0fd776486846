"""Forms of the crew's pages: where the route starts (GET: a postcode or street, or the phone's position) and
starting, completing or giving back a job (POST). The job card's forms carry the job's reference in their ids."""
import secrets

from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from gis.streets import QUERY_MAX

from ..forms import Form, QueryForm, RadioChoiceField, UploadField
from ..services.crews import CANT_COMPLETE_REASONS, DETAILS_MAX, NOTE_MAX


def new_token() -> str:
    """A completion's idempotency token: the same completion sent twice completes the job once."""
    return secrets.token_urlsafe(24)


class RouteStartForm(QueryForm):
    place = StringField("Start from a postcode or street", id="start-place",
                        description="For example SE6 4RU or Rushey Green. Empty: the route starts from the depot.",
                        validators=[Length(max=QUERY_MAX, message=f"Enter at most {QUERY_MAX} characters.")])
    #: Filled by "Use my position" (static/js/crew-jobs.js), never typed.
    lat = HiddenField(id="start-lat", validators=[Length(max=32)])
    lon = HiddenField(id="start-lon", validators=[Length(max=32)])


class StartForm(Form):
    """Only the CSRF token."""


class CompleteForm(Form):
    note = TextAreaField("What was done", id="note", validators=[
        Length(max=NOTE_MAX, message=f"Keep the note to {NOTE_MAX:,} characters or fewer.")])
    photo = UploadField('"After" photo (optional)', id="photo")
    token = HiddenField(id="token", default=new_token)


class CantCompleteForm(Form):
    reason = RadioChoiceField("Why can the job not be completed?", id="reason",
                              choices=list(CANT_COMPLETE_REASONS.items()),
                              message="Choose why the job cannot be completed from the list.",
                              validators=[InputRequired("Choose why the job cannot be completed from the list.")])
    details = TextAreaField("Details for the office", id="details",
                            description=f"Needed for “Another reason”. At most {DETAILS_MAX} characters.",
                            validators=[Length(max=DETAILS_MAX,
                                               message=f"Keep the details to {DETAILS_MAX} characters or fewer.")])
