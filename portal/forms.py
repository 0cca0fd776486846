"""The base form: CSRF checked by Flask-WTF, its failure worded for people, not programmers; each field
reads only what a browser can send for it."""
from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import FileField
from wtforms.validators import StopValidation

from .services.emails import InvalidEmail, normalise_email

EXPIRED = "This form had expired, so nothing was saved. Check your details and send it again."


class Form(FlaskForm):
    """Every field's text arrives cleaned of control characters (portal/http.py CleanRequest)."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            """Text fields read the request's form fields only, and file fields its files only: a file posted
            under a text field's name is not text (Flask-WTF mixes both, so a validator would meet a
            FileStorage). A JSON body is not an HTML form: it is ignored (Flask-WTF would take its values
            as they are, numbers and lists included, past the control-character cleaning of CleanRequest)."""
            if formdata is None or hasattr(formdata, "getlist"):
                return formdata            # given by the view (formdata=None: a page shown, not submitted)
            if not form.is_submitted():    # else Flask-WTF's "from the request", on GET too
                return None
            names = {field.name for field in form if isinstance(field, FileField)}
            files = [(name, f) for name, f in request.files.items(multi=True) if name in names]
            if files:
                return CombinedMultiDict((MultiDict(files), request.form))
            return request.form or None

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
