"""portal/schemas.py: a MultiDict read through a model, and a refusal worded for the client."""
from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BeforeValidator, Field
from werkzeug.datastructures import MultiDict

from portal.schemas import ShapeError, Shape, comma_list, parse, whole_number


class Sample(Shape):
    required_messages = {"name": "name is required: say who you are."}
    name: str = Field(max_length=5)
    size: Annotated[int, BeforeValidator(whole_number(1, 1000))] = 10
    tags: Annotated[list[str], BeforeValidator(comma_list(2))] = Field(default_factory=list)


@pytest.mark.parametrize(("values", "message"), [
    ([], "name is required: say who you are."),
    ([("name", "   ")], "name is required: say who you are."),                 # blank is not sent
    ([("name", "abcdefg")], "name must be at most 5 characters (it has 7)."),
    ([("name", "jo"), ("size", "²")], "size must be a whole number from 1 to 1,000."),
    ([("name", "jo"), ("size", "1001")], "size must be a whole number from 1 to 1,000."),
    ([("name", "jo"), ("tags", "a,b,c")], "tags takes at most 2 values."),
    ([("name", "abcdefg"), ("size", "0")], "name must be at most 5 characters (it has 7)."),  # the first problem
])
def test_refusals_name_the_parameter(values, message):
    with pytest.raises(ShapeError) as caught:
        parse(Sample, MultiDict(values))
    assert caught.value.message == message


def test_value_stripped_defaults_kept_unknown_ignored():
    got = parse(Sample, MultiDict([("name", " jo "), ("name", "  "), ("tags", "a, ,b"), ("api_key", "x")]))
    assert (got.name, got.size, got.tags) == ("jo", 10, ["a", "b"])      # a blank repeat is no second value


def test_a_name_sent_twice_is_refused_unless_the_first_is_asked_for():
    twice = MultiDict([("name", "jo"), ("name", "other")])
    with pytest.raises(ShapeError) as caught:
        parse(Sample, twice)
    assert caught.value.message == "name was sent 2 times: send it once."
    assert parse(Sample, twice, one_each=False).name == "jo"
