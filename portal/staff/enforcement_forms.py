"""Forms of the enforcement actions on a report (POST) and of the fly-tipping return's month chooser (GET).
Kept apart from forms.py so that the staff report page's own forms stay as they were. Shape only: the rules
(not in the future, not before the report, a month the return covers) are portal/services/enforcement.py's."""
import re
from datetime import date

from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length
from wtforms.widgets import MonthInput

from models import ENFORCEMENT_ACTIONS, ENFORCEMENT_NOTE_MAX

from ..forms import ChoiceField, Form, QueryForm

_MONTH = re.compile(r"(\d{4})-(\d{2})")


class MonthField(StringField):
    """A calendar month typed or picked as YYYY-MM; ``data`` is its first day (a ``date``)."""
    widget = MonthInput()

    def process_formdata(self, valuelist):
        self.data = None
        self.raw = (valuelist[0] if valuelist else "").strip()
        if not self.raw:
            return
        match = _MONTH.fullmatch(self.raw)
        if not match:
            raise ValueError("Enter the month as year and month, for example 2026-10.")
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValueError("The month must be between 01 (January) and 12 (December).")
        if year < 1:
            raise ValueError("Enter a year with four digits, for example 2026.")
        self.data = date(year, month, 1)

    def _value(self) -> str:
        if self.data:
            return self.data.strftime("%Y-%m")
        return getattr(self, "raw", "") or ""


class DayField(DateField):
    """A date as a date input sends it (YYYY-MM-DD) or as typed (DD/MM/YYYY), with a clear refusal."""

    def process_formdata(self, valuelist):
        if not "".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata([v[:40] for v in valuelist])
        except ValueError:
            raise ValueError("Enter a real date, for example 14/10/2026.") from None


class ReturnMonthForm(QueryForm):
    month = MonthField("Month", id="wdf-month", description="Year and month, for example 2026-10.")


class EnforcementForm(Form):
    action = ChoiceField("Action taken", id="enf-action", message="Choose the action taken from the list.",
                         choices=[("", "Choose an action"), *ENFORCEMENT_ACTIONS.items()])
    taken_on = DayField("Date taken", id="enf-date", format=["%Y-%m-%d", "%d/%m/%Y"],
                         description="For example 14/10/2026.")
    note = TextAreaField("Note (staff only)", id="enf-note", validators=[
        Length(max=ENFORCEMENT_NOTE_MAX, message=f"Keep the note to {ENFORCEMENT_NOTE_MAX} characters or fewer.")])

    def validate_taken_on(self, field):
        if field.data is None and not field.errors:
            field.errors.append("Enter the date the action was taken, for example 14/10/2026.")


class RemoveEnforcementForm(Form):
    confirm = HiddenField(default="1")


def enforcement_forms(report) -> dict:
    """The report page's enforcement forms: record an action, and remove each one recorded."""
    forms = {"enforcement": EnforcementForm(formdata=None)}
    for entry in report.enforcement_actions:
        forms[f"enforcement-remove-{entry.id}"] = RemoveEnforcementForm(formdata=None, id_suffix=str(entry.id))
    return forms
