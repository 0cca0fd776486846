"""Forms of the search, person and dashboard pages (shape only: the services check the rules)."""
from datetime import date

from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, StopValidation
from wtforms.widgets import DateInput

from models import NEEDS, PREFERENCES, Status

from ..forms import CheckboxesField, ChoiceField, Form, QueryForm, WholeNumberField, optional_id
from ..services import search
from ..services.dashboard import GROUPINGS
from .forms import optional_status

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


class DayField(StringField):
    """A day typed (or picked) as YYYY-MM-DD; empty is none. The text typed stays in the box when refused."""
    widget = DateInput()

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if self.raw:
            try:
                day = date.fromisoformat(self.raw) if len(self.raw) == 10 else None
            except ValueError:
                day = None
            self.data = day if day is not None and EARLIEST <= day <= LATEST else None

    def _value(self) -> str:
        return getattr(self, "raw", "") or (self.data.isoformat() if isinstance(self.data, date) else "")

    def pre_validate(self, form):
        if self.data is None and getattr(self, "raw", ""):
            raise StopValidation("Enter the date like 2024-03-31 (a year from 2000 to 2100).")


class SearchForm(QueryForm):
    q = StringField("Search reports", id="s-q", validators=[
        Length(max=search.QUERY_MAX, message=f"Keep the search to {search.QUERY_MAX} characters or fewer.")],
        description="A reference (KB-7QF3K), the caller's email address or phone number, a postcode, or words "
                    "from the description, updates or a street name.")
    ward = ChoiceField("Ward", coerce=optional_id, id="s-ward", message="Choose a ward from the list.")
    status = ChoiceField("Status", coerce=optional_status, id="s-status", message="Choose a status from the list.",
                         choices=[("", "Any status"), *((s.value, s.label) for s in Status)])
    since = DayField("Made on or after", id="s-since")
    until = DayField("Made on or before", id="s-until")
    page = WholeNumberField("Page", low=1, high=100_000, id="s-page", message="Choose a page from the links.")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.since.data and self.until.data and self.until.data < self.since.data:
            self.until.errors = [*self.until.errors, "The second date is before the first: swap them."]
            return False
        return ok

    def query(self) -> search.SearchQuery:
        """What to search for: a refused value narrows nothing (its error is shown), the text aside: a refused
        text searches nothing."""
        def ok(field):
            return None if field.errors else field.data
        return search.SearchQuery(text="" if self.q.errors else (self.q.data or ""), ward_id=ok(self.ward),
                                  status=ok(self.status), since=ok(self.since), until=ok(self.until),
                                  page=ok(self.page) or 1)

    @property
    def asked(self) -> bool:
        return any(f.raw_data for f in (self.q, self.ward, self.status, self.since, self.until))


class PersonForm(Form):
    name = StringField("Name", id="p-name", validators=[Length(max=200, message="Keep the name to 100 characters or fewer.")])
    email = StringField("Email address", id="p-email", validators=[Length(max=320, message="An email address has at most 254 characters.")])
    phone = StringField("Phone number", id="p-phone", validators=[Length(max=60, message="That is too long to be a phone number.")])
    preference = ChoiceField("How they want to hear from us", id="p-preference",
                             message="Choose how they would like to hear from us from the list.",
                             choices=[("", "Email if we have it, else phone"), *PREFERENCES.items()])
    # Any value is read: the service refuses needs off the list, with the other problems at once.
    needs = CheckboxesField("Needs", id="p-needs", choices=list(NEEDS.items()), validate_choice=False,
                            message="Choose needs from the list.")
    needs_note = TextAreaField("Anything else staff should know before contacting them", id="p-needs-note",
                               validators=[Length(max=5000, message="Keep the note to 500 characters or fewer.")])


class DashboardForm(QueryForm):
    by = ChoiceField("Group by", id="d-by", default="category", message="Choose a grouping from the list.",
                     choices=[(k, v[0]) for k, v in GROUPINGS.items()])


class OverdueNoticesForm(Form):
    on = HiddenField()
