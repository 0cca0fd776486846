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
