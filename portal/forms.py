"""The base forms and the fields every blueprint shares.

- ``Form``: a POSTed HTML form, CSRF checked by Flask-WTF, its failure worded for people, not programmers; each
  field reads only what a browser can send for it.
- ``QueryForm``: the filters of a GET page (no CSRF: a GET changes nothing), read from the URL.
- ``ChoiceField`` / ``RadioChoiceField`` / ``CheckboxesField``: choices whose refusal says what to do (WTForms'
  own message is "Not a valid choice"), with ids parsed as ASCII digits only (``optional_id``).
Every field renders through ``field()`` in templates/macros/forms.html."""
from flask import redirect, request, session, url_for
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, FileStorage, MultiDict
from wtforms import FileField, Form as WTForm, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from gis.coords import InvalidCoordinates, LonLat, parse_lat_lon

from .services.emails import InvalidEmail, normalise_email
from .services.text import ascii_int

EXPIRED = "This form had expired, so nothing was saved. Check your details and send it again."
PG_INT_MAX = 2 ** 31 - 1


def _suffix_ids(form, id_suffix: str | None) -> None:
    """Several copies of one form on a page (one per job, per photo) need ids of their own."""
    if id_suffix:
        for f in form:
            f.id = f.label.field_id = f"{f.id}-{id_suffix}"


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

    def __init__(self, *args, id_suffix: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        _suffix_ids(self, id_suffix)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.meta.csrf and self.csrf_token.errors:
            self.csrf_token.errors = [EXPIRED]
        return ok


class QueryForm(WTForm):
    """Filters of a GET page, read from the URL (``QueryForm(request.args)``): no CSRF, as a GET changes nothing.
    A bad value is an error on its field, shown on the page, not ignored."""

    def __init__(self, formdata=None, **kwargs):
        super().__init__(formdata if formdata is not None else MultiDict(), **kwargs)


def optional_id(value) -> int | None:
    """A database id as a form sends it: "" is none; anything but ASCII digits within PostgreSQL's integer is
    refused (ValueError)."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    number = ascii_int(value, 0, PG_INT_MAX)
    if number is None:
        raise ValueError(value)
    return number


class _Refused:
    """The data of a choice that could not be read (e.g. "7x" for an id): never among the choices."""

    def __repr__(self) -> str:
        return "<refused>"


REFUSED = _Refused()


def _select_choices(value):
    if value is not None and not callable(value) and not isinstance(value, dict):
        value = [c if isinstance(c, SelectChoice) else SelectChoice(*c) for c in value]
    return value


class _Choices:
    """Choices given as (value, label) pairs, the way they read best, kept as WTForms' SelectChoice."""

    @property
    def choices(self):
        return SelectField.choices.fget(self)

    @choices.setter
    def choices(self, value):
        SelectField.choices.fset(self, _select_choices(value))


class _ClearChoice(_Choices):
    """A choice field whose refusal is ``message``, for a value off the list as for one of the wrong type."""

    def __init__(self, *args, message: str = "Choose one from the list.", **kwargs):
        kwargs["choices"] = _select_choices(kwargs.get("choices", []))   # else the view fills them in
        super().__init__(*args, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        if valuelist:
            try:
                self.data = self.coerce(valuelist[0])
            except (ValueError, TypeError):
                self.data = REFUSED

    def pre_validate(self, form):
        if self.data is REFUSED:
            raise StopValidation(self.message)
        if self.validate_choice and self.data is not None \
                and all(self.data != self.coerce(value) for value, *_ in self.iter_choices()):
            raise StopValidation(self.message)


class ChoiceField(_ClearChoice, SelectField):
    """A drop-down list."""


class RadioChoiceField(_ClearChoice, RadioField):
    """Radio buttons, rendered as a fieldset by the field macro."""


class CheckboxesField(_Choices, SelectMultipleField):
    """Tick any of the choices; rendered as a fieldset of checkboxes by the field macro."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, message: str = "Choose from the list.", limit: int = 100, **kwargs):
        kwargs["choices"] = _select_choices(kwargs.get("choices", []))
        super().__init__(*args, **kwargs)
        self.message, self.limit = message, limit

    def process_formdata(self, valuelist):
        values = []
        for raw in valuelist[:self.limit]:
            try:
                values.append(self.coerce(raw))
            except (ValueError, TypeError):
                values.append(REFUSED)
        self.data = values

    def pre_validate(self, form):
        if not self.data:
            return
        offered = {self.coerce(value) for value, *_ in self.iter_choices()} if self.validate_choice else None
        if any(v is REFUSED or (offered is not None and v not in offered) for v in self.data):
            raise StopValidation(self.message)


class WholeNumberField(StringField):
    """A whole number typed in ASCII digits within [low, high]; empty is none (add InputRequired to need one).
    The text typed stays in the box when it is refused."""

    def __init__(self, *args, low: int = 0, high: int = PG_INT_MAX, message: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.low, self.high = low, high
        self.message = message or f"Enter a whole number from {low:,} to {high:,}."

    def process_data(self, value):
        self.data = value if isinstance(value, int) else None

    def process_formdata(self, valuelist):
        self.data = ascii_int(valuelist[0], self.low, self.high) if valuelist and valuelist[0].strip() else None

    def _value(self) -> str:
        return self.raw_data[0] if self.raw_data else ("" if self.data is None else str(self.data))

    def pre_validate(self, form):
        if self.data is None and self.raw_data and self.raw_data[0].strip():
            raise StopValidation(self.message)


def typed_point(lat_field, lon_field, prefix: str = "") -> tuple[LonLat | None, bool]:
    """(point, ok) from a latitude and a longitude box: (None, True) when both are empty; when they do not make
    a point, (None, False) and the reason on the latitude box (after ``validate``)."""
    lat, lon = (lat_field.data or "").strip(), (lon_field.data or "").strip()
    if not lat and not lon:
        return None, True
    try:
        return parse_lat_lon(lat, lon), True
    except InvalidCoordinates as exc:
        lat_field.errors = [*lat_field.errors, f"{prefix}{exc}"]
        return None, False


class UploadField(FileField):
    """One file, or none: a box left empty, or text sent under the file's name, is no file (data None)."""

    def process_formdata(self, valuelist):
        self.data = next((v for v in valuelist if isinstance(v, FileStorage) and v.filename), None)


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


def add_error(form, name: str | None, message: str, fallback: str = "main") -> tuple[str, str]:
    """Put a service's refusal (a DomainError's message and field) on the form's field of that name; the
    (field id, message) pair for the summary (``fallback`` when no field of the form has that name)."""
    field = form[name] if name and name in form else None
    if field is None:
        return fallback, message
    field.errors = [*field.errors, message]
    return field.id, message


def sent_a_link(what: str, to: str = ""):
    """After a form that emailed a link: redirect to the page saying where it went (notices.check_email,
    one per kind of link), the address kept in the session for it. Answered with the page itself, a reload or
    Back and Forward sent the form, and the email, again."""
    session["sent_to"] = (to or "")[:254]
    return redirect(url_for("notices.check_email", what=what))
