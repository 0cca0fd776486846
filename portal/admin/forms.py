"""Forms of the administration pages. The account actions are each a POST checked for its CSRF token (field
names differ between the forms, as they share one page); categories and crews are edited on pages of their own."""
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length

from models import Role

from ..forms import CheckboxesField, Form, QueryForm, WholeNumberField, optional_id, typed_point


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


class CategoryForm(Form):
    """Shape; the rules (name and group given, code pattern and unique, questions valid) are the service's."""
    code = StringField("Code", description="Lower-case letters, digits and _; cannot be changed later.",
                       validators=[Length(max=40, message="The code must be lower-case letters, digits and _.")])
    name = StringField("Name")
    group = StringField("Group")
    target_hours = WholeNumberField("Target (hours to fix)", low=1, high=24 * 365, default=48,
                                    message="The target must be a whole number of hours, from 1 to 8760.",
                                    validators=[InputRequired("The target must be a whole number of hours, "
                                                              "from 1 to 8760.")])
    questions = TextAreaField("Extra questions (JSON)", default="[]",
                              description='A list of {"code", "label", "type": single | multi | yesno | text, '
                                          '"options": [{"value", "label"}]}.')
    active = BooleanField("Residents can choose it", default=True)


def record_id(value) -> int:
    number = optional_id(value)
    if number is None:
        raise ValueError(value)
    return number


class CrewForm(Form):
    name = StringField("Name")
    depot_lat = StringField("Depot latitude", validators=[Length(max=32, message="That is not a latitude.")])
    depot_lon = StringField("Depot longitude", validators=[Length(max=32, message="That is not a longitude.")])
    members = CheckboxesField("Members (users with the crew role)", coerce=record_id,
                              message="Only users with the crew role can be crew members.")
    active = BooleanField("Active", default=True)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.depot, point_ok = typed_point(self.depot_lat, self.depot_lon, prefix="Depot: ")
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
