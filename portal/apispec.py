"""The OpenAPI 3.1 document of the JSON and Open311 APIs, generated from the app's routes and the pydantic models
that parse their input and shape their answers: nothing is described twice, so nothing can drift.

Each blueprint lists its documented endpoints (``describe(bp, Operation(...), ...)`` in its spec.py): which
models read the query, the path and the form, and which model each answer follows. ``document(app)`` walks
the app's url_map: every rule of a listed endpoint becomes a path (with the rule's own methods), its
parameters come from the models' fields, its schemas from ``model_json_schema``. An operation without a rule,
or a path model that does not match its rule's arguments, is an error when the document is built.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

INFO = {
    "title": "Kerbside JSON API",
    "version": "1.0.0",
    "description": (
        "Map data, open-data exports and Open311 GeoReport v2 (JSON) of Kerbside. Every Open311 endpoint also "
        "answers in XML with .xml instead of .json (the same fields; text/xml; charset=utf-8); see /open311. "
        "Open311 JSON is application/json; charset=utf-8, errors included; a method an address does not allow "
        "is a 405 with an Allow header. Map and export filters are shared with the pages of the same name and "
        "are documented on /data. This document is generated from the models that parse each request."),
}
EXTENSION = "kerbside.apispec"
RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass(frozen=True)
class Reply:
    """One documented answer: a model's JSON Schema, or a plain ``schema`` for what no model describes."""
    description: str
    model: type[BaseModel] | None = None
    media_type: str = "application/json"
    schema: Mapping[str, Any] | None = None
    #: Shared replies are published once under components/responses/<name>.
    name: str | None = None
    #: Other media types the same answer may come in (e.g. an HTML error page), with their schemas.
    alternatives: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    endpoint: str                      # the blueprint's own endpoint name, e.g. "services"
    operation_id: str
    summary: str
    tag: str
    responses: Mapping[int, Reply]
    query: type[BaseModel] | None = None
    path: type[BaseModel] | None = None
    form: type[BaseModel] | None = None
    #: Rule arguments documented with one value (e.g. {"fmt": "json"}: the XML twins are described in words).
    fixed: Mapping[str, str] = field(default_factory=dict)
    security: tuple[str, ...] = ()
    description: str | None = None


def describe(bp: Blueprint, *operations: Operation, schemes: Mapping[str, dict] | None = None) -> None:
    """Record ``operations`` (and any security ``schemes`` they name) in the app ``bp`` is registered on."""
    def record(state) -> None:
        registry = state.app.extensions.setdefault(EXTENSION, {"operations": {}, "schemes": {}})
        registry["operations"].update({f"{state.name}.{op.endpoint}": op for op in operations})
        registry["schemes"].update(schemes or {})
    bp.record_once(record)


def operations(app: Flask) -> dict[str, Operation]:
    """Documented operations by their app endpoint (e.g. "open311.services")."""
    return dict(app.extensions.get(EXTENSION, {}).get("operations", {}))


def document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of ``app``, built once."""
    registry = app.extensions.setdefault(EXTENSION, {"operations": {}, "schemes": {}})
    if "document" not in registry:
        registry["document"] = build(app, registry["operations"], registry["schemes"])
    return registry["document"]


def openapi_path(rule: str, fixed: Mapping[str, str]) -> str:
    """A werkzeug rule as an OpenAPI path: fixed arguments filled in, the others as {name}."""
    return RULE_ARGUMENT.sub(lambda m: fixed.get(m.group(1), "{" + m.group(1) + "}"), rule)


def build(app: Flask, table: Mapping[str, Operation], schemes: Mapping[str, dict]) -> dict[str, Any]:
    rules: dict[str, list] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in table:
            rules.setdefault(rule.endpoint, []).append(rule)
    if missing := sorted(set(table) - set(rules)):
        raise LookupError(f"documented operations without a route: {', '.join(missing)}")
    answers = sorted({reply.model for op in table.values() for reply in op.responses.values() if reply.model},
                     key=lambda m: m.__name__)
    refs, definitions = models_json_schema([(m, "serialization") for m in answers],
                                           ref_template="#/components/schemas/{model}")
    components: dict[str, Any] = {"schemas": _tidy(definitions.get("$defs", {})), "responses": {}}
    paths: dict[str, dict] = {}
    for endpoint in sorted(table, key=lambda e: (rules[e][0].rule, e)):
        op = table[endpoint]
        for rule in rules[endpoint]:
            item = paths.setdefault(openapi_path(rule.rule, op.fixed), {})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                item[method.lower()] = _operation(op, rule, refs, components)
    used = {name for op in table.values() for name in op.security}
    if unknown := used - set(schemes):
        raise LookupError(f"unknown security schemes: {', '.join(sorted(unknown))}")
    if used:
        components["securitySchemes"] = {name: schemes[name] for name in sorted(used)}
    return {"openapi": "3.1.0", "info": INFO, "paths": paths, "components": components}


def _operation(op: Operation, rule, refs, components: dict) -> dict[str, Any]:
    out: dict[str, Any] = {"tags": [op.tag], "summary": op.summary, "operationId": op.operation_id}
    if op.description:
        out["description"] = op.description
    arguments = set(rule.arguments) - set(op.fixed)
    documented = set(_properties(op.path)) if op.path else set()
    if arguments != documented:
        raise LookupError(f"{rule.endpoint}: the rule's arguments {sorted(arguments)} are not the path model's "
                          f"fields {sorted(documented)}")
    parameters = (_parameters(op.path, "path") if op.path else []) + (_parameters(op.query, "query")
                                                                      if op.query else [])
    if parameters:
        out["parameters"] = parameters
    if op.form:
        out["requestBody"] = {"required": True, "content": _form_content(op.form)}
    if op.security:
        out["security"] = [{name: []} for name in op.security]
    out["responses"] = {str(code): _reply(reply, refs, components) for code, reply in sorted(op.responses.items())}
    return out


def _reply(reply: Reply, refs, components: dict) -> dict[str, Any]:
    if reply.model is not None:
        schema = refs[(reply.model, "serialization")]
    else:
        schema = dict(reply.schema or {"type": "string"})
    body = {"description": reply.description, "content": {
        reply.media_type: {"schema": schema}, **{kind: {"schema": dict(alt)} for kind, alt in reply.alternatives.items()}}}
    if reply.name is None:
        return body
    components["responses"].setdefault(reply.name, body)
    return {"$ref": f"#/components/responses/{reply.name}"}


def _properties(model: type[BaseModel]) -> dict[str, dict]:
    return model.model_json_schema().get("properties", {})


def _parameters(model: type[BaseModel], where: str) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    found = []
    for name, prop in schema.get("properties", {}).items():
        prop = _tidy(_not_null(prop))
        parameter = {"name": name, "in": where, "required": where == "path" or name in required}
        if "description" in prop:
            parameter["description"] = prop.pop("description")
        if prop.get("examples"):
            parameter["example"] = prop.pop("examples")[0]
        parameter["schema"] = prop
        found.append(parameter)
    return found


def _form_content(model: type[BaseModel]) -> dict[str, Any]:
    """The same fields form-encoded and as multipart/form-data; files only in the latter."""
    multipart = _tidy(model.model_json_schema())
    multipart.pop("description", None)         # the model's docstring is for us; its fields are described
    multipart["properties"] = {k: _not_null(v) for k, v in multipart["properties"].items()}
    encoded = copy.deepcopy(multipart)
    encoded["properties"] = {k: v for k, v in encoded["properties"].items() if not _is_file(v)}
    return {"application/x-www-form-urlencoded": {"schema": encoded}, "multipart/form-data": {"schema": multipart}}


def _is_file(schema: dict) -> bool:
    return schema.get("format") == "binary" or schema.get("items", {}).get("format") == "binary"


def _not_null(schema: dict) -> dict:
    """An optional parameter is left out, never null: its schema without the null branch pydantic adds."""
    variants = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(variants) == 1 and len(schema["anyOf"]) == 2:
        schema = {**{k: v for k, v in schema.items() if k != "anyOf"}, **variants[0]}
    if schema.get("default", 0) in (None, ""):         # blank: the same as not sent
        schema = {k: v for k, v in schema.items() if k != "default"}
    return schema


def _tidy(schema):
    """Without pydantic's generated titles (the property names say the same) and docstring line breaks."""
    if isinstance(schema, list):
        return [_tidy(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "$defs"):       # names, not keywords
            out[key] = {name: _tidy(sub) for name, sub in value.items()}
        elif key == "title" and isinstance(value, str):
            continue
        elif key == "description" and isinstance(value, str):
            out[key] = " ".join(value.split())
        else:
            out[key] = _tidy(value)
    return out
