"""Forms of the staff pages: the queue's filters (GET) and each action on a report (POST). Shape only: the
rules (allowed status change, open original, reason given) are the services'. Field ids are those of the
report page, where several forms share field names (note, reason, internal)."""
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from models import FLAG_OUTCOMES, Report, Status

from ..forms import CheckboxesField, ChoiceField, Form, QueryForm, RadioChoiceField, WholeNumberField, optional_id
from ..services import triage

NOTE_MAX = 2000
SORT_LABELS = {"attention": "Needs attention (overdue first)", "due": "Due soonest", "-due": "Due latest",
               "created": "Oldest first", "-created": "Newest first", "priority": "Priority",
               "supporters": "Most supporters", "category": "Category", "ward": "Ward"}
REFERENCE_MAX = 12


def optional_status(value) -> Status | None:
    if value is None or value == "":
        return None
    return Status(value)


def reference(value) -> str:
    """A report reference as typed: trimmed, upper case, no longer than a reference can be."""
    if not isinstance(value, str):
        raise ValueError(value)
    return value.strip().upper()[:REFERENCE_MAX]


class QueueFilterForm(QueryForm):
    ward = ChoiceField("Ward", coerce=optional_id, id="f-ward", message="Choose a ward from the list.")
    category = ChoiceField("Category", coerce=optional_id, id="f-category",
                           message="Choose a category from the list.")
    status = ChoiceField("Status", coerce=optional_status, id="f-status", message="Choose a status from the list.",
                         choices=[("", "Any open status"), *((s.value, s.label) for s in Status)])
    age = WholeNumberField("Made in the last (days)", low=1, high=36500, id="f-age",
                           message="Give the age as a whole number of days, from 1 to 36,500.")
    sort = ChoiceField("Sort by", id="f-sort", default="attention", message="Choose an order from the list.",
                       choices=[(s, SORT_LABELS[s]) for s in triage.SORTS])
    overdue = BooleanField("Overdue only", id="f-overdue")
    unassigned = BooleanField("Not assigned to a crew", id="f-unassigned")
    #: Set by the page links, not a box.
    page = WholeNumberField("Page", low=1, high=100_000, id="f-page", message="Choose a page from the links.")

    def queue_filter(self) -> triage.QueueFilter:
        """The filter to apply: a refused value filters nothing (its error is shown)."""
        def ok(field):
            return None if field.errors else field.data
        return triage.QueueFilter(ward_id=ok(self.ward), category_id=ok(self.category), status=ok(self.status),
                                  max_age_days=ok(self.age), overdue=bool(self.overdue.data),
                                  unassigned=bool(self.unassigned.data), sort=ok(self.sort) or "attention",
                                  page=ok(self.page) or 1)


class StatusForm(Form):
    # Any status is read; the service refuses a change TRANSITIONS does not allow. The list shows the allowed.
    status = ChoiceField("New status", coerce=optional_status, id="new-status", validate_choice=False,
                         message="Choose a status from the list.",
                         validators=[InputRequired("Choose a status from the list.")])
    template = ChoiceField("Response template (used when the message is empty)", coerce=optional_id,
                           id="status-template", message="Choose a response template from the list, or none.")
    note = TextAreaField("Message", id="status-note", validators=[
        Length(max=NOTE_MAX, message=f"Keep the message to {NOTE_MAX:,} characters or fewer.")])
    internal = BooleanField("Quietly: the message stays internal and nobody is emailed (the new status itself is "
                            "public)", id="status-internal")


class UpdateForm(Form):
    note = TextAreaField("Text", id="update-note", validators=[
        Length(max=NOTE_MAX, message=f"Keep the update to {NOTE_MAX:,} characters or fewer.")])
    internal = BooleanField("Internal note", id="update-internal", default=True)
    for_crews = BooleanField("Safety note for crews (shown on the crew's job card; needs “Internal note”)",
                             id="update-for-crews")


class DetailsForm(Form):
    category = ChoiceField("Category", coerce=optional_id, id="d-category", message="Choose a category from the list.")
    priority = ChoiceField("Priority", coerce=optional_id, id="d-priority", message="Choose a priority from the list.",
                           choices=list(triage.PRIORITIES.items()))


class AssignForm(Form):
    """From the report page: that report, and back to it."""
    reports = HiddenField(filters=[lambda v: reference(v) if v else ""])
    crew = ChoiceField("Crew", coerce=optional_id, id="a-crew", message="Choose a crew from the list.",
                       validators=[DataRequired("Choose a crew.")])
    back = HiddenField(filters=[lambda v: reference(v) if v else ""])


class BulkAssignForm(AssignForm):
    """From the queue: the reports ticked in its table (unknown references are left out: the service needs
    one at least)."""
    reports = CheckboxesField("Reports", coerce=reference, validate_choice=False, limit=triage.QUEUE_LIMIT,
                              message="Choose reports from the queue.")
    crew = ChoiceField("Assign the selected reports to", coerce=optional_id, id="bulk-crew",
                       message="Choose a crew from the list.", validators=[DataRequired("Choose a crew.")])


class DuplicateForm(Form):
    original = StringField("Duplicate of (reference)", id="dup-original", filters=[lambda v: reference(v) if v else ""],
                           validators=[InputRequired("Enter the reference of an existing report, like KB-7QF3K.")])


class NotResponsibleForm(Form):
    reason = TextAreaField("Reason and who to contact instead (shown publicly)", id="nr-reason", validators=[
        Length(max=NOTE_MAX, message=f"Keep the reason to {NOTE_MAX:,} characters or fewer.")])


class HideForm(Form):
    hidden = HiddenField()
    reason = StringField("Reason", id="hide-reason")


class RedactForm(Form):
    description = TextAreaField("Description with personal details removed", id="redact-description")
    reason = StringField("Reason for the redaction", id="redact-reason")


class HideUpdateForm(Form):
    """One per resident's update: ids get the update's id (``id_suffix``)."""
    hidden = HiddenField()
    reason = StringField("Reason", id="upd-hide-reason")


class RedactUpdateForm(Form):
    """One per resident's update: ids get the update's id (``id_suffix``)."""
    note = TextAreaField("Update with personal details removed", id="upd-note", validators=[
        Length(max=4000, message="Keep the update to 4,000 characters or fewer.")])
    reason = StringField("Reason for the redaction", id="upd-redact-reason")


class RemovePhotoForm(Form):
    """One per photo: ids get the photo's id (``id_suffix``)."""
    reason = StringField("Reason", id="photo-reason")


def resident_update_forms(report: Report) -> dict:
    """The moderation forms of each resident's update (and questionnaire answer) on the report page."""
    forms = {}
    for event in report.events:
        if event.source == "council":
            continue
        forms[f"update-hide-{event.id}"] = HideUpdateForm(formdata=None, id_suffix=str(event.id),
                                                         data={"hidden": "0" if event.hidden else "1"})
        forms[f"update-redact-{event.id}"] = RedactUpdateForm(formdata=None, id_suffix=str(event.id),
                                                             data={"note": event.note})
    return forms


class SettleFlagForm(Form):
    """What was done about a flag from residents (built with ``id_suffix``: one per flag on the page)."""
    outcome = RadioChoiceField("What was done?", choices=list(FLAG_OUTCOMES.items()),
                               message="Choose what was done about it.",
                               validators=[InputRequired("Choose what was done about it.")])
