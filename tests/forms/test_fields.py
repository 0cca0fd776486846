"""The shared form pieces (portal/forms.py) and the field macro (templates/macros/forms.html): each refusal
is a message on its field, the text typed stays, and every field renders with its label and error tied."""
from __future__ import annotations

import io
import re

import pytest
from flask import render_template_string
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import BooleanField, HiddenField, StringField

from portal.forms import (CheckboxesField, ChoiceField, Form, QueryForm, RadioChoiceField, UploadField,
                          WholeNumberField, optional_id, typed_point)


class Sample(QueryForm):
    crew = ChoiceField("Crew", coerce=optional_id, message="Choose a crew from the list.",
                       choices=[("", "Choose a crew"), (3, "North"), (7, "South")])
    age = WholeNumberField("Age (days)", low=1, high=365, message="Give the age in days, from 1 to 365.")
    people = CheckboxesField("People", coerce=optional_id, choices=[(1, "Ann"), (2, "Bo")], limit=3,
                             message="Choose people from the list.")
    lat = StringField("Latitude")
    lon = StringField("Longitude")


def sample(**params) -> Sample:
    form = Sample(MultiDict(params))
    form.validate()
    return form


@pytest.mark.parametrize("value", ["4", "7x", "²", "١", "-3", " ", "99999999999", "3.0"])
def test_a_choice_off_the_list_or_not_an_id_gets_the_fields_message(value):
    form = sample(crew=value)
    assert form.crew.errors == ["Choose a crew from the list."], value


def test_a_listed_choice_is_typed_and_empty_is_none():
    assert sample(crew="7").crew.data == 7 and not sample(crew="7").errors
    assert sample(crew="").crew.data is None and sample().crew.data is None


@pytest.mark.parametrize("value", ["²", "١٢", "1.5", "0", "366", "ten", "1e3"])
def test_a_whole_number_out_of_range_or_oddly_written_is_refused_and_kept_in_the_box(value):
    form = sample(age=value)
    assert form.age.errors == ["Give the age in days, from 1 to 365."] and form.age.data is None
    assert form.age._value() == value


def test_a_whole_number_is_typed():
    assert sample(age=" 30 ").age.data == 30 and sample(age="").age.data is None


def test_checkboxes_refuse_any_unknown_entry_and_read_no_more_than_their_limit():
    assert sample(people=["1", "2"]).people.data == [1, 2]
    assert sample(people=["1", "9"]).people.errors == ["Choose people from the list."]
    assert sample(people=["1", "x"]).people.errors == ["Choose people from the list."]
    form = Sample(MultiDict([("people", "1")] * 500))
    assert form.people.data == [1, 1, 1]


@pytest.mark.parametrize("lat, lon, ok", [("", "", True), ("51.45", "-0.02", True), ("north", "-0.02", False),
                                          ("91", "0", False), ("51.45", "", False)])
def test_a_point_from_two_boxes(lat, lon, ok):
    form = sample(lat=lat, lon=lon)
    point, good = typed_point(form.lat, form.lon, prefix="Depot: ")
    assert good is ok
    assert (point is None) == (not ok or not lat)
    if not ok:
        assert form.lat.errors[0].startswith("Depot: ")


def test_an_upload_field_takes_a_file_only():
    class WithFile(QueryForm):
        photo = UploadField("Photo")
    upload = FileStorage(io.BytesIO(b"x"), filename="a.jpg")
    assert WithFile(MultiDict({"photo": upload})).photo.data is upload
    assert WithFile(MultiDict({"photo": "not a file"})).photo.data is None
    assert WithFile(MultiDict({"photo": FileStorage(io.BytesIO(b""), filename="")})).photo.data is None


class Everything(Form):
    name = StringField("Name", description="As on the van.")
    pick = ChoiceField("Pick", choices=[("a", "A"), ("b", "B")], message="Pick A or B.")
    colour = RadioChoiceField("Colour", choices=[("r", "Red"), ("g", "Green")], message="Choose a colour.")
    people = CheckboxesField("People", choices=[("1", "Ann")])
    agree = BooleanField("I agree")
    back = HiddenField()


MACRO = """{% from "macros/forms.html" import field %}{% for f in form if f.name != "csrf_token" %}{{ field(f) }}{% endfor %}"""


def _render(app, form_data: dict, suffix=None) -> str:
    with app.test_request_context("/", method="POST", data=form_data):
        form = Everything(meta={"csrf": False}, id_suffix=suffix)
        form.validate()
        form.name.errors = ["Give a name."]
        form.agree.errors = ["Tick it."]
        return render_template_string(MACRO, form=form)


def test_the_macro_ties_label_hint_and_error_to_every_kind_of_field(app):
    html = _render(app, {"pick": "z", "colour": "x", "back": "KB-1"})
    assert '<label for="name">Name</label>' in html
    assert re.search(r'<input aria-describedby="name-hint name-error" aria-invalid="true" id="name"', html)
    assert 'id="name-error"' in html and "Give a name." in html
    assert re.search(r'<select aria-describedby="pick-error" aria-invalid="true" id="pick" name="pick">', html)
    assert "Pick A or B." in html
    # radios and checkbox lists: a fieldset named by its legend, the error tied to the fieldset
    assert re.search(r'<fieldset class="field  field-error" id="colour" aria-describedby="colour-error">\s*'
                     r'<legend>Colour</legend>', html)
    assert '<label class="inline-label" for="colour-0">Red</label>' in html
    assert '<fieldset class="field " id="people"' in html and '<legend>People</legend>' in html
    # a checkbox: box then label, its error tied
    assert re.search(r'<input aria-describedby="agree-error" id="agree" name="agree" type="checkbox" value="y">'
                     r' <label class="inline-label" for="agree">I agree</label>', html)
    # a hidden field: the input alone
    assert '<input id="back" name="back" type="hidden" value="KB-1">' in html and 'for="back"' not in html


def test_copies_of_a_form_get_ids_of_their_own(app):
    html = _render(app, {}, suffix="KB-7QF3K")
    assert '<label for="name-KB-7QF3K">Name</label>' in html and 'id="name-KB-7QF3K"' in html
    assert 'id="name-KB-7QF3K-hint"' in html
