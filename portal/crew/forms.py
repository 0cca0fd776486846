"""Forms of the crew's jobs page: where the route starts (GET) and starting or completing a job (POST). One
start and one complete form per job: their ids carry the job's reference."""
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from ..forms import Form, QueryForm, UploadField, typed_point

NOTE_MAX = 2000


class RouteStartForm(QueryForm):
    lat = StringField("Your latitude", id="start-lat", validators=[Length(max=32, message="That is not a latitude.")])
    lon = StringField("Your longitude", id="start-lon",
                      validators=[Length(max=32, message="That is not a longitude.")])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.point, point_ok = typed_point(self.lat, self.lon) if ok else (None, True)
        return ok and point_ok


class StartForm(Form):
    """Only the CSRF token."""


class CompleteForm(Form):
    note = TextAreaField("What was done", id="note", validators=[
        Length(max=NOTE_MAX, message=f"Keep the note to {NOTE_MAX:,} characters or fewer.")])
    photo = UploadField('"After" photo (optional)', id="photo")
