"""Domain exceptions: views turn them into clear messages. ``field`` names the form field at fault."""


class DomainError(Exception):
    field: str | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class OutsideServiceArea(DomainError):
    field = "location"


class UnknownCategory(DomainError):
    field = "category"


class InvalidAnswer(DomainError):
    pass


class InvalidPhoto(DomainError):
    field = "photos"


class TransitionNotAllowed(DomainError):
    pass


class EmailTaken(DomainError):
    field = "email"


class NotAllowed(DomainError):
    """The viewer may not do this (403)."""


class Refused(DomainError):
    """Several things wrong at once, for a form to show beside each field: ``problems`` in form order, each a
    DomainError naming its field. ``message`` and ``field`` are the first problem's. ``answer_problems`` keeps
    what was wrong with a category's answers in neutral terms, for a channel that words it its own way (Open311
    attributes)."""

    def __init__(self, problems: list[DomainError], answer_problems=()):
        super().__init__(problems[0].message, field=problems[0].field)
        self.problems = problems
        self.answer_problems = tuple(answer_problems)

    @property
    def errors(self) -> dict[str, str]:
        """{field: message}, the first message of each field."""
        out: dict[str, str] = {}
        for problem in self.problems:
            out.setdefault(problem.field or "", problem.message)
        return out
