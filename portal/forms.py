"""The base form: CSRF checked by Flask-WTF, its failure worded for people, not programmers."""
from flask_wtf import FlaskForm

EXPIRED = "This form had expired, so nothing was saved. Check your details and send it again."


class Form(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.meta.csrf and self.csrf_token.errors:
            self.csrf_token.errors = [EXPIRED]
        return ok


def form_errors(form) -> list[tuple[str, str]]:
    """(field id, message) pairs for an error summary; CSRF errors link to the form's top."""
    return [("main" if f.name == "csrf_token" else f.id, e) for f in form for e in f.errors]
