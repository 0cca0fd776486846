"""The base form: CSRF checked by Flask-WTF, its failure worded for people, not programmers."""
from flask_wtf import FlaskForm
from wtforms.validators import StopValidation

from .services.emails import InvalidEmail, normalise_email

EXPIRED = "This form had expired, so nothing was saved. Check your details and send it again."


class Form(FlaskForm):
    """Every field's text arrives cleaned of control characters (portal/http.py CleanRequest)."""
    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.meta.csrf and self.csrf_token.errors:
            self.csrf_token.errors = [EXPIRED]
        return ok


class ValidEmail:
    """The one email rule (services/emails.py) as a WTForms validator; the field keeps the address as it
    will be stored. Put after Optional() on optional fields."""

    def __call__(self, form, field) -> None:
        try:
            field.data = normalise_email(field.data)
        except InvalidEmail as exc:
            raise StopValidation(exc.message) from None


def form_errors(form) -> list[tuple[str, str]]:
    """(field id, message) pairs for an error summary; CSRF errors link to the form's top."""
    return [("main" if f.name == "csrf_token" else f.id, e) for f in form for e in f.errors]
