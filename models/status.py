"""Report statuses and the allowed transitions between them: the one place they live.

Services check transitions with `can_transition`; templates show `LABELS`; queries use
`OPEN` / `CLOSED`. Nothing else in the code base should spell a status string.
"""
import enum


class Status(str, enum.Enum):
    UNCONFIRMED = "unconfirmed"      # made without an account, waiting for the email link
    NEW = "new"
    CONFIRMED = "confirmed"
    INVESTIGATING = "investigating"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    FIXED = "fixed"
    CLOSED = "closed"                # closed, no action needed
    DUPLICATE = "duplicate"
    NOT_RESPONSIBLE = "not_responsible"
    REOPENED = "reopened"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def is_open(self) -> bool:
        return self in OPEN


LABELS = {
    Status.UNCONFIRMED: "Awaiting confirmation",
    Status.NEW: "New",
    Status.CONFIRMED: "Confirmed",
    Status.INVESTIGATING: "Investigating",
    Status.ASSIGNED: "Assigned to a crew",
    Status.IN_PROGRESS: "In progress",
    Status.FIXED: "Fixed",
    Status.CLOSED: "Closed (no action needed)",
    Status.DUPLICATE: "Duplicate",
    Status.NOT_RESPONSIBLE: "Not the council's responsibility",
    Status.REOPENED: "Reopened",
}

#: Statuses in which the council still owes the resident some work.
OPEN = frozenset({Status.NEW, Status.CONFIRMED, Status.INVESTIGATING, Status.ASSIGNED,
                  Status.IN_PROGRESS, Status.REOPENED})
#: Open statuses in which a crew has the job: what is "being fixed now".
IN_HAND = frozenset({Status.ASSIGNED, Status.IN_PROGRESS})
#: Statuses that end a report's life (until it is reopened).
CLOSED = frozenset({Status.FIXED, Status.CLOSED, Status.DUPLICATE, Status.NOT_RESPONSIBLE})
#: Statuses that the public may see (an unconfirmed report is not yet public).
PUBLIC = OPEN | CLOSED

_WORK = {Status.CONFIRMED, Status.INVESTIGATING, Status.ASSIGNED, Status.IN_PROGRESS}
_ENDS = {Status.FIXED, Status.CLOSED, Status.DUPLICATE, Status.NOT_RESPONSIBLE}

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.UNCONFIRMED: frozenset({Status.NEW}),
    Status.NEW: frozenset(_WORK | _ENDS),
    Status.CONFIRMED: frozenset((_WORK | _ENDS) - {Status.CONFIRMED}),
    Status.INVESTIGATING: frozenset((_WORK | _ENDS) - {Status.INVESTIGATING}),
    Status.ASSIGNED: frozenset((_WORK | _ENDS) - {Status.ASSIGNED}),
    Status.IN_PROGRESS: frozenset({Status.ASSIGNED, Status.INVESTIGATING} | _ENDS),
    Status.REOPENED: frozenset(_WORK | _ENDS),
    Status.FIXED: frozenset({Status.REOPENED}),
    Status.CLOSED: frozenset({Status.REOPENED}),
    Status.DUPLICATE: frozenset({Status.REOPENED}),
    Status.NOT_RESPONSIBLE: frozenset({Status.REOPENED}),
}


def can_transition(old: Status, new: Status) -> bool:
    return new in TRANSITIONS.get(old, frozenset())
