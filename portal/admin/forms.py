"""Forms of the account actions: each is a POST checked for its CSRF token (field names differ between the
forms, as they share one page)."""
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length

from models import Role

from ..forms import Form


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


class WardsForm(Form):
    """The wards a councillor account speaks for (its "My ward" page and weekly digest)."""
    wards = SelectMultipleField("Wards", choices=[], validate_choice=False, render_kw={"size": 8},
                                description="Hold Ctrl (Cmd on a Mac) to choose more than one; choose none to clear.")

    def with_wards(self, wards) -> "WardsForm":
        self.wards.choices = [(w.code, w.name) for w in wards]
        return self
