"""The base form: CSRF checked by Flask-WTF, its failure worded for people, not programmers."""
from flask_wtf import FlaskForm

EXPIRED = "This form had expired, so nothing was saved. Check your details and send it again."


def _strip_nul(value):
    """PostgreSQL text cannot hold NUL characters; one in any field would otherwise be a server error."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class Form(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            options["filters"] = (*options.get("filters", ()), _strip_nul)
            return super().bind_field(form, unbound_field, options)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.meta.csrf and self.csrf_token.errors:
            self.csrf_token.errors = [EXPIRED]
        return ok


def form_errors(form) -> list[tuple[str, str]]:
    """(field id, message) pairs for an error summary; CSRF errors link to the form's top."""
    return [("main" if f.name == "csrf_token" else f.id, e) for f in form for e in f.errors]
