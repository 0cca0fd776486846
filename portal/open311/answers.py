"""Shape of Open311 answers: each document the views send, field by field in the order it is sent (XML keeps
it). render.respond writes them as JSON or XML; spec.py publishes their JSON Schemas."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, RootModel

from ..schemas import Answer


class Open311Error(Answer):
    model_config = {"extra": "forbid"}
    code: int = Field(description="The HTTP status of the answer.")
    description: str = Field(min_length=1, description="What was wrong, naming the parameter.")


class Open311Errors(RootModel[Annotated[list[Open311Error], Field(min_length=1)]]):
    """The standard's error list: one entry per problem found."""


class Endpoint(Answer):
    specification: str
    url: str
    changeset: str
    type: str
    formats: list[str]


class Discovery(Answer):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


class Service(Answer):
    service_code: str
    service_name: str
    description: str | None
    metadata: bool = Field(description="true when the service has attributes: see services/{code}.json.")
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str | None
    group: str | None


class Services(RootModel[list[Service]]):
    """Every service (category) that can be reported."""


class AttributeValue(Answer):
    key: str
    name: str


class Attribute(Answer):
    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[AttributeValue] = Field(default_factory=list, exclude_if=lambda values: not values,
                                         description="The allowed values of a list (absent for a string).")


class ServiceDefinition(Answer):
    service_code: str
    attributes: list[Attribute]


class ServiceRequest(Answer):
    service_request_id: str = Field(examples=["KB-7QF3K"])
    status: Literal["open", "closed"]
    status_notes: str | None = Field(description="The latest public note on the request.")
    service_name: str | None
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None = Field(description="The service's target time, as the POST answer gave it "
                                                   "(e.g. 'Expected within 48 hours.').")
    requested_datetime: datetime
    updated_datetime: datetime | None
    expected_datetime: datetime | None = Field(description="When the service's target time runs out.")
    address: str | None = Field(description="Where, most specific first: the ward and the borough.")
    address_id: str | None
    zipcode: str | None
    lat: float
    long: float
    media_url: str | None = Field(description="Our copy of the request's first photo, else the media_url the "
                                              "client sent, else null.")
    detailed_status: str = Field(description="Extension: our fine-grained status (new, confirmed, "
                                             "investigating, assigned, in_progress, fixed, closed, duplicate, "
                                             "not_responsible, reopened).")
    detailed_status_label: str = Field(description="Extension: the status as the public pages word it.")
    url: str = Field(description="Extension: the request's public page.")


class ServiceRequests(RootModel[list[ServiceRequest]]):
    """Public service requests, newest first."""


class RequestCreated(Answer):
    model_config = {"json_schema_extra": {"not": {"required": ["token"]}}}
    service_request_id: str
    service_notice: str | None = Field(description="The service's target time (e.g. 'Expected within 48 "
                                                   "hours.'); reading the request back gives the same.")


class RequestsCreated(RootModel[Annotated[list[RequestCreated], Field(min_length=1)]]):
    """The id is known at once, so no token is returned (tokens/{token} still resolves a token)."""


class TokenLookup(Answer):
    service_request_id: str
    token: str


class TokenLookups(RootModel[Annotated[list[TokenLookup], Field(min_length=1)]]):
    """The request a token was given for."""


class Update(Answer):
    update_id: str
    service_request_id: str
    status: str = Field(description="mySociety's status: OPEN, INVESTIGATING, ACTION_SCHEDULED, IN_PROGRESS, "
                                    "FIXED, CLOSED, DUPLICATE or NOT_COUNCILS_RESPONSIBILITY.")
    updated_datetime: datetime
    description: str | None
    media_url: str | None
    detailed_status: str = Field(description="Extension: our fine-grained status.")


class Updates(RootModel[list[Update]]):
    """Public status updates, oldest first."""


class UpdateCreated(Answer):
    update_id: str


class UpdatesCreated(RootModel[Annotated[list[UpdateCreated], Field(min_length=1)]]):
    """The recorded update."""
