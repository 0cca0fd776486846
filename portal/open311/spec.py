"""The Open311 routes in the OpenAPI document (portal/apispec.py): which model reads each one's input and which
answers it gives. Documented at their .json addresses; the .xml twins answer the same in XML."""
from __future__ import annotations

from ..apispec import Operation, Reply, describe
from . import answers, bp, schemas

API_KEYS = {"ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            "ApiKeyParam": {"type": "apiKey", "in": "query", "name": "api_key"}}
ERROR = Reply("The standard's error list: code and description.", answers.Open311Errors, name="Open311Error")
#: Every Open311 answer may be a refusal (400), the rate limit (429) or a database that is briefly away (503).
RATE_LIMITED = Reply("Over the rate limit (per key, else per address): the standard's error list, saying the limit "
                     "and when to try again; the Retry-After header gives the seconds to wait.",
                     answers.Open311Errors, name="Open311RateLimited")
READ = {400: ERROR, 429: RATE_LIMITED, 503: ERROR}
#: A write may also lack a key (403), name what does not exist (404) or send a body that is not a form (415).
WRITE = {**READ, 403: ERROR, 404: ERROR, 415: ERROR}


def _ok(model, description: str = "Success.") -> Reply:
    return Reply(description, model)


def _open311(endpoint: str, operation_id: str, summary: str, responses: dict, **kw) -> Operation:
    return Operation(endpoint, operation_id, summary, "Open311", responses, fixed={"fmt": "json"}, **kw)


describe(
    bp,
    _open311("discovery", "getOpen311V2DiscoveryJson", "Open311 discovery: endpoints and formats.",
             {200: _ok(answers.Discovery), **READ}),
    _open311("services", "getOpen311V2ServicesJson", "Every service (category) that can be reported.",
             {200: _ok(answers.Services), **READ}),
    _open311("service_definition", "getOpen311V2ServicesCodeJson", "A service's extra questions as attributes.",
             {200: _ok(answers.ServiceDefinition), **READ, 404: ERROR}, path=schemas.ServicePath),
    _open311("requests_list", "getOpen311V2RequestsJson", "Public service requests, newest first.",
             {200: _ok(answers.ServiceRequests), **READ}, query=schemas.RequestsQuery),
    _open311("requests_create", "postOpen311V2RequestsJson", "File a service request (API key required).",
             {201: _ok(answers.RequestsCreated, "Filed."), **WRITE}, form=schemas.NewRequest,
             security=tuple(API_KEYS),
             description="Form-encoded, or multipart/form-data to send photos as media (any other body, JSON "
                         "or XML, is a 415 naming the two). The answer gives the "
                         "request's id at once (no token). An unknown service_code is a 404; answers that do "
                         "not fit the service definition are a 400 with one error per attribute."),
    _open311("request_detail", "getOpen311V2RequestsServiceRequestIdJson", "One request by its reference.",
             {200: _ok(answers.ServiceRequests), **READ, 404: ERROR}, path=schemas.RequestPath),
    _open311("token", "getOpen311V2TokensTokenJson",
             "The request id for a token. POST answers give the id itself and no token (the id is known at once), "
             "so clients rarely need this.",
             {200: _ok(answers.TokenLookups), **READ, 404: ERROR}, path=schemas.TokenPath),
    _open311("updates_list", "getOpen311V2ServicerequestupdatesJson",
             "Public status updates (mySociety extension), default the last day.",
             {200: _ok(answers.Updates), **READ}, query=schemas.UpdatesQuery),
    _open311("updates_create", "postOpen311V2ServicerequestupdatesJson",
             "Post a status update (update API key required).",
             {200: _ok(answers.UpdatesCreated, "Recorded."), **WRITE}, form=schemas.NewUpdate,
             security=tuple(API_KEYS),
             description="Form-encoded (or multipart/form-data); any other body, JSON or XML, is a 415 naming the "
                         "two."),
    schemes=API_KEYS,
)
