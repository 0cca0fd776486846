"""Every HTML form goes through WTForms: no module of the web package reads the posted form by hand
(``request.form`` / ``request.values``). The few that may are listed here, each with its reason."""
from __future__ import annotations

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"
#: Where reading the raw form is the point, not a shortcut.
ALLOWED = {
    "portal/http.py": "the request class: cleans every field once and refuses NUL bytes, before any form",
    "portal/forms.py": "the base form: hands the request's form (and its files) to WTForms",
    "portal/open311/": "the Open311 API: form-encoded by its standard, not an HTML form (its own schema layer)",
}
#: Still reading the form by hand, on the way out: each entry must go (the test below fails when it has).
PENDING: dict[str, str] = {}


def raw_form_reads(source: str) -> list[int]:
    """Line numbers where ``request.form`` or ``request.values`` (``flask.request`` too) is read."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ("form", "values"):
            target = node.value
            if (isinstance(target, ast.Name) and target.id == "request") or (
                    isinstance(target, ast.Attribute) and target.attr == "request"):
                lines.append(node.lineno)
    return sorted(lines)


def _readers() -> dict[str, list[int]]:
    found = {}
    for path in sorted(PORTAL.rglob("*.py")):
        name = path.relative_to(PORTAL.parent).as_posix()
        if lines := raw_form_reads(path.read_text(encoding="utf-8")):
            found[name] = lines
    return found


def _listed(name: str, listing: dict) -> bool:
    return any(name == entry or (entry.endswith("/") and name.startswith(entry)) for entry in listing)


def test_no_view_reads_the_posted_form_by_hand():
    offenders = {name: lines for name, lines in _readers().items()
                 if not _listed(name, ALLOWED) and not _listed(name, PENDING)}
    assert offenders == {}, ("read the form through a WTForms form (portal/<area>/forms.py) instead of "
                             f"request.form / request.values: {offenders}")


def test_the_pending_list_only_holds_modules_that_still_need_it():
    readers = _readers()
    done = [name for name in PENDING if name not in readers]
    assert done == [], f"these no longer read request.form: take them off PENDING: {done}"


def test_the_check_sees_every_spelling_of_a_raw_read():
    source = """
from flask import request
import flask

def view():
    a = request.form.get("x")
    b = request.values["y"]
    c = flask.request.form
    d = request.args.get("q")          # the URL: filters are GET forms, read with QueryForm(request.args)
    e = form.data
"""
    assert raw_form_reads(source) == [6, 7, 8]
