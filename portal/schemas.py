"""The shape layer of the JSON and Open311 APIs: pydantic models read query strings and forms, and the same models
give the OpenAPI document (portal/apispec.py), so what is described is what is parsed.

A model reads a werkzeug MultiDict through ``parse``: each field takes the first value sent under its name (a
list field takes them all), text is stripped, and a value left empty counts as not sent. A refusal is one
plain message naming the parameter, the first problem in the order of the model's fields; the caller turns it
into its error document (Open311's error list, the map feeds' JSON error, a page).

Validators raise ``problem(...)`` for a message that stands alone and ``field_problem(...)`` for one that
follows the parameter's name ("must be a whole number from 1 to 1,000." becomes "page must be ...").
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from .services.text import ascii_int

#: Error types of our own validators: a whole message, or the rest of a sentence starting with the name.
MESSAGE = "message"
AFTER_NAME = "after_name"


def problem(message: str) -> PydanticCustomError:
    return PydanticCustomError(MESSAGE, message.replace("{", "{{").replace("}", "}}"))


def field_problem(rest: str) -> PydanticCustomError:
    return PydanticCustomError(AFTER_NAME, rest.replace("{", "{{").replace("}", "}}"))


class ShapeError(ValueError):
    """Input of the wrong shape: ``message`` names the parameter and says what it takes."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Shape(BaseModel):
    """Base of the input models: text stripped, parameters the model does not know ignored (an Open311 client
    sends api_key, jurisdiction_id and the like)."""
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", populate_by_name=True)

    #: The message for a required parameter that was not sent, when "<name> is required." is not enough.
    required_messages: ClassVar[dict[str, str]] = {}
    #: Comma-separated list parameters a client may also send several times (Open311's filters "can be declared
    #: multiple times"): their values are read as one list, joined by commas.
    repeatable_lists: ClassVar[frozenset[str]] = frozenset()


class Answer(BaseModel):
    """Base of the response models: what an API answers, field by field, in the order it is sent."""
    model_config = ConfigDict(extra="ignore")


def values_for(model: type[Shape], values, one_each: bool = True) -> dict[str, Any]:
    """The model's parameters from a MultiDict: the value sent under each name, unless it is blank. A name
    sent twice with a value each time is refused (ShapeError) when ``one_each``: which one a client meant is
    not ours to guess (a list is sent comma-separated, as the standards say); else the first is read. A list
    the model names in ``repeatable_lists`` is read whole, its values joined as if sent comma-separated."""
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        given = [v for v in values.getlist(key) if isinstance(v, str) and v.strip()]
        if len(given) > 1 and key in model.repeatable_lists:
            data[key] = ",".join(given)
            continue
        if len(given) > 1 and one_each:
            raise ShapeError(f"{key} was sent {len(given)} times: send it once.")
        if given:
            data[key] = given[0]
    return data


def message_for(model: type[Shape], exc: ValidationError) -> str:
    """The first problem of a failed validation, worded for the client."""
    error = exc.errors(include_url=False)[0]
    name = ".".join(str(part) for part in error["loc"] if not isinstance(part, int)) or "input"
    field = model.model_fields.get(name)
    name = (field.alias if field and field.alias else name)
    kind = error["type"]
    if kind == MESSAGE:
        return error["msg"]
    if kind == AFTER_NAME:
        return f"{name} {error['msg']}"
    if kind == "missing":
        return model.required_messages.get(name, f"{name} is required.")
    if kind == "string_too_long":
        limit, given = error["ctx"]["max_length"], error["input"]
        length = len(given.strip()) if isinstance(given, str) else len(given)
        return f"{name} must be at most {limit:,} characters (it has {length:,})."
    return f"{name}: {error['msg']}."


def parse(model: type[Shape], values, extra: dict[str, Any] | None = None, context: dict | None = None,
          one_each: bool = True):
    """``values`` (a MultiDict: query string or form) read by ``model``; ``extra`` adds what is not one value
    under one name (uploads, attribute[...] answers). Raises ShapeError with the first problem (a name sent
    twice is one, see values_for)."""
    data = values_for(model, values, one_each)
    data.update(extra or {})
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise ShapeError(message_for(model, exc)) from None


# --- reusable parameter types --------------------------------------------------------------------------------

def whole_number(low: int, high: int) -> Callable[[Any], int]:
    """A whole number in ASCII digits within [low, high] (pydantic would take "1_000", "١٢" or 1.0)."""
    def check(value: Any) -> int:
        number = ascii_int(value, low, high) if isinstance(value, str) else None
        if number is None:
            raise field_problem(f"must be a whole number from {low} to {high:,}.")
        return number
    return check


def comma_list(most: int) -> Callable[[Any], list[str]]:
    """Comma-separated values, blanks dropped, at most ``most``."""
    def split(value: Any) -> list[str]:
        if isinstance(value, list):
            return value
        items = [v.strip() for v in str(value).split(",") if v.strip()]
        if len(items) > most:
            raise field_problem(f"takes at most {most} values.")
        return items
    return split


def cut(limit: int) -> BeforeValidator:
    """Text shortened to ``limit`` characters, not refused (for filters looked up afterwards)."""
    return BeforeValidator(lambda value: value.strip()[:limit] if isinstance(value, str) else value)
