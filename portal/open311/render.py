"""Open311 output: the same data as XML (the standard's default) or JSON, and errors in both."""
from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from flask import Response, json
from pydantic import BaseModel

from ..services.text import xml_safe
from .answers import Open311Error, Open311Errors

#: Element name of each item in a list, by the list's name (XML needs one; JSON does not).
ITEM_NAMES = {"services": "service", "attributes": "attribute", "values": "value",
              "service_requests": "request", "endpoints": "endpoint", "formats": "format", "errors": "error",
              "service_request_updates": "request_update", "service_requests_updates": "request_update"}
#: Every answer is UTF-8 and says so: the standard requires it, and JSON clients otherwise guess.
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value)
    return xml_safe(str(value))     # text stored before input was cleaned must not break the document


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(microsecond=0).isoformat()


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, list):
        item = ITEM_NAMES.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item), child)
    else:
        element.text = _text(value)


def to_xml(root: str, data) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")


def _json_ready(value):
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return iso(value) if isinstance(value, datetime) else value


def respond(fmt: str, root: str, data, status: int = 200) -> Response:
    """``root`` names the XML document element; JSON is ``data`` itself (a list or an object, or a document of
    answers.py)."""
    if isinstance(data, BaseModel):
        data = data.model_dump()
    if fmt == "json":
        return Response(json.dumps(_json_ready(data)), status=status, content_type=JSON_TYPE)
    return Response(to_xml(root, data), status=status, content_type=XML_TYPE)


def errors(fmt: str, code: int, description: str | list[str]) -> Response:
    """The standard's error document: a list of {code, description}, one per problem found."""
    fmt = fmt if fmt in ("xml", "json") else "xml"
    found = [description] if isinstance(description, str) else description
    return respond(fmt, "errors", Open311Errors([Open311Error(code=code, description=d) for d in found]),
                   status=code)
