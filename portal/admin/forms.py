"""Forms of the administration pages. The account actions are each a POST checked for its CSRF token (field
names differ between the forms, as they share one page); categories and crews are edited on pages of their own."""
from wtforms import (BooleanField, FieldList, FormField, Form as WTForm, PasswordField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length

from models import Role

from ..forms import (CheckboxesField, ChoiceField, Form, QueryForm, RadioChoiceField, UploadField, WholeNumberField,
                     optional_id, typed_point)


class RoleForm(Form):
    role = SelectField("Role", choices=[SelectChoice(r.value, r.label) for r in Role], validate_choice=False,
                       validators=[InputRequired("Choose a role."),
                                   AnyOf([r.value for r in Role], "Choose a role from the list.")],
                       description="Changing the role signs the account out everywhere.")


class DisableForm(Form):
    reason = StringField("Reason", validators=[Length(max=200, message="Keep the reason under 200 characters.")],
                         description="Optional; kept in the action log.")


class ConfirmForm(Form):
    """An action with nothing to fill in: enable, unlock, resend the confirmation, reset two-factor sign-in."""


class UserSearchForm(QueryForm):
    q = StringField("Email contains", validators=[Length(max=254, message="Keep the search under 255 characters.")])


TARGET_UNITS = [("hours", "Hours"), ("days", "Days")]
TARGET_MESSAGE = "The target must be a whole number: 1 to 8,760 hours, or 1 to 365 days."


class CategoryForm(Form):
    """Shape; the rules (name and group given, code pattern and unique) are the service's. The questions have
    their own pages (questions.py)."""
    code = StringField("Code", description="Lower-case letters, digits and _; cannot be changed later.",
                       validators=[Length(max=40, message="The code must be lower-case letters, digits and _.")])
    name = StringField("Name")
    group = StringField("Group")
    target = WholeNumberField("Target to fix it", low=1, high=24 * 365, default=2, message=TARGET_MESSAGE,
                              validators=[InputRequired(TARGET_MESSAGE)])
    target_unit = RadioChoiceField("Target in", choices=TARGET_UNITS, default="days",
                                   message="Choose hours or days.")
    team = ChoiceField("Team that does the work", coerce=optional_id, validate_choice=True,
                       message="Choose a team from the list.",
                       description="Reports of this category go to this team when they are made.")
    active = BooleanField("Residents can choose it", default=True)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.target_hours = None
        if self.target.data is not None and self.target_unit.data in ("hours", "days"):
            hours = self.target.data * (24 if self.target_unit.data == "days" else 1)
            if hours > 24 * 365:
                self.target.errors = [*self.target.errors, TARGET_MESSAGE]
                return False
            self.target_hours = hours
        return ok

    @staticmethod
    def target_data(hours: int) -> dict:
        """The boxes' values for a stored target: days when it is whole days."""
        return {"target": hours // 24, "target_unit": "days"} if hours % 24 == 0 else \
            {"target": hours, "target_unit": "hours"}


def record_id(value) -> int:
    number = optional_id(value)
    if number is None:
        raise ValueError(value)
    return number


class CrewForm(Form):
    name = StringField("Name")
    depot_place = StringField("Depot postcode or street",
                              validators=[Length(max=100, message="Enter a postcode or a street name of at most 100 "
                                                                  "characters.")],
                              description="For example SE6 4RU or Rushey Green. Or leave it empty and give the "
                                          "depot's latitude and longitude below.")
    depot_lat = StringField("Depot latitude", validators=[Length(max=32, message="That is not a latitude.")])
    depot_lon = StringField("Depot longitude", validators=[Length(max=32, message="That is not a longitude.")])
    members = CheckboxesField("Members (users with the crew role)", coerce=record_id,
                              message="Only users with the crew role can be crew members.")
    active = BooleanField("Active", default=True)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.depot, point_ok = typed_point(self.depot_lat, self.depot_lon, prefix="Depot: ")
        if (self.depot_place.data or "").strip():    # the place wins; the coordinates are its alternative
            self.depot, point_ok = None, True
            self.depot_lat.errors = []
        return ok and point_ok


class WardsForm(Form):
    """The wards a councillor account speaks for (its "My ward" page and weekly digest)."""
    wards = SelectMultipleField("Wards", choices=[], validate_choice=False, render_kw={"size": 8},
                                description="Hold Ctrl (Cmd on a Mac) to choose more than one; choose none to clear.")

    def with_wards(self, wards) -> "WardsForm":
        self.wards.choices = [(w.code, w.name) for w in wards]
        return self


class ResponseTemplateForm(Form):
    """Shape; the rules (status a template can be for, title and text given and short enough) are the service's."""
    status = SelectField("For the status", validate_choice=False, description="It is offered only with this status.")
    category = SelectField("Category", validate_choice=False, description="Or any category.")
    title = StringField("Title (for staff)", validators=[Length(max=400, message="Keep the title to 80 characters or fewer.")])
    text = TextAreaField("Message (shown to the public and emailed)",
                         validators=[Length(max=20_000, message="Keep the message to 2,000 characters or fewer.")])


class DeleteTemplateForm(Form):
    """Delete a template: nothing to fill in."""


QUESTION_KINDS = [("single", "One answer from a list"), ("multi", "Any answers from a list"), ("yesno", "Yes or no"),
                  ("text", "Free text")]
#: Blank choice rows offered under a question's choices, to add new ones without a script.
SPARE_CHOICES = 3
MAX_CHOICES = 40


class ChoiceRowForm(WTForm):
    """One answer a resident can choose; a row left empty is ignored, a row ticked "remove" goes."""
    label = StringField("Answer shown", validators=[Length(max=120, message="Keep the answer under 120 characters.")])
    value = StringField("Stored as", validators=[Length(max=40, message="Keep the stored value under 40 characters.")],
                        description="Lower-case letters, digits and _; made from the answer when left empty. "
                                    "Past reports keep the value they were given.")
    position = WholeNumberField("Position", low=1, high=MAX_CHOICES + SPARE_CHOICES,
                                message=f"The position is a whole number from 1 to {MAX_CHOICES + SPARE_CHOICES}.")
    hazard = BooleanField("Hazardous (show the “do not touch” notice)")
    remove = BooleanField("Remove this answer")


class QuestionForm(Form):
    """One extra question of a category, with its answers; the rules are the service's (admin.save_question)."""
    code = StringField("Code", validators=[Length(max=40, message="The code must be lower-case letters, digits and _.")],
                       description="Lower-case letters, digits and _; cannot be changed later.")
    label = StringField("Question", validators=[Length(max=200, message="Keep the question under 200 characters.")])
    hint = StringField("Hint", validators=[Length(max=200, message="Keep the hint under 200 characters.")],
                       description="Optional; shown under the question.")
    kind = RadioChoiceField("Kind of answer", choices=QUESTION_KINDS, default="single",
                            message="Choose the kind of answer from the list.")
    required = BooleanField("An answer is required")
    choices = FieldList(FormField(ChoiceRowForm), max_entries=MAX_CHOICES + SPARE_CHOICES)

    def choice_rows(self) -> list[dict]:
        """The answers as typed, in their positions (rows left empty, or ticked "remove", left out)."""
        rows = []
        for n, entry in enumerate(self.choices.entries):
            row = entry.form
            label, value = (row.label.data or "").strip(), (row.value.data or "").strip()
            if row.remove.data or (not label and not value):
                continue
            rows.append((row.position.data or (n + 1), n, {"value": value, "label": label,
                                                           "hazard": bool(row.hazard.data)}))
        return [r for _, _, r in sorted(rows, key=lambda t: (t[0], t[1]))]


class QuestionActionForm(Form):
    """Move a question up or down, or remove it: nothing to fill in."""


class TeamForm(Form):
    name = StringField("Name", validators=[Length(max=80, message="Keep the name under 80 characters.")])
    email = StringField("Team mailbox", validators=[Length(max=254, message="Keep the address under 255 characters.")],
                        description="Optional, for example cleansing@lewisham.example. When set, it is emailed "
                                    "the new reports in the team's categories, a list every few minutes.")
    active = BooleanField("Active", default=True)


#: A pasted boundary larger than this is a file to upload (the request limit is MAX_CONTENT_LENGTH).
BOUNDARY_MAX = 8 * 1024 * 1024


class BodyForm(Form):
    """Another body: its Open311 endpoint, its boundary, and (added per category by ``body_form``) the
    service_code of each category it takes."""
    name = StringField("Name", validators=[Length(max=120, message="Keep the name under 120 characters.")],
                       description="For example Transport for London (red routes).")
    endpoint = StringField("Open311 address", validators=[Length(max=500, message="Keep the address under 500 "
                                                                                  "characters.")],
                           description="The base of its GeoReport v2 API, e.g. https://open311.example.org/v2; "
                                       "reports are POSTed to requests.json (or .xml) under it.")
    format = RadioChoiceField("Format", choices=[("json", "JSON"), ("xml", "XML")], default="json",
                              message="Choose JSON or XML.")
    api_key = PasswordField("API key", validators=[Length(max=200, message="The api_key is too long (at most 200 "
                                                                           "characters).")],
                            description="The key the body gave us. Stored encrypted; leave empty to keep the one "
                                        "stored.")
    jurisdiction_id = StringField("jurisdiction_id", validators=[Length(max=100, message="Keep the jurisdiction_id "
                                                                                        "under 100 characters.")],
                                  description="Optional; only if the body's server asks for one.")
    boundary = TextAreaField("Boundary (GeoJSON)",
                             validators=[Length(max=BOUNDARY_MAX, message="The boundary is too large to paste: "
                                                                          "choose it as a file.")],
                             description="Paste a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection of "
                                         "polygons (WGS84, or with its coordinate system declared). On a body "
                                         "already saved, leave it empty to keep its boundary.")
    boundary_file = UploadField("Or choose a GeoJSON file", description="Used instead of the box above when "
                                                                       "chosen.")
    repair = BooleanField("Repair it if it is not a valid polygon (PostGIS ST_MakeValid)",
                          description="Otherwise an invalid boundary is refused with the reason. Check a repaired "
                                      "boundary before relying on it.")
    extended_statuses = BooleanField("Its updates use extended statuses (FIXED, CLOSED, IN_PROGRESS...)",
                                     description="Ticked: its “closed” means closed without a fix. Unticked (the "
                                                 "plain Open311 standard, whose only words are open and closed): "
                                                 "its “closed” marks our report fixed.")
    active = BooleanField("Active: reports are routed to it", default=True)

    def boundary_text(self) -> tuple[str, str | None]:
        """(the GeoJSON text, a problem reading the file or None): the file when one was chosen, else the box."""
        upload = self.boundary_file.data
        if upload is None:
            return self.boundary.data or "", None
        raw = upload.stream.read(BOUNDARY_MAX + 1)
        if len(raw) > BOUNDARY_MAX:
            return "", "The file is too large (at most 8 MB): simplify the boundary first."
        try:
            return raw.decode("utf-8-sig"), None
        except UnicodeDecodeError:
            return "", "The file is not GeoJSON text (UTF-8)."

    def service_fields(self):
        return [f for f in self if f.name.startswith("service_")]


def body_form(categories, **kwargs) -> BodyForm:
    """The body form with one service_code box per category (the label is the category's name)."""
    class Form_(BodyForm):
        pass
    for category in categories:
        setattr(Form_, f"service_{category.id}", StringField(
            category.name, validators=[Length(max=100, message="A service_code is at most 100 characters.")]))
    return Form_(**kwargs)
