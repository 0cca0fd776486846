"""Kerbside's data model: SQLAlchemy 2.0 typed models. Knows nothing of Flask or HTTP."""
from .base import Base, utcnow
from .category import Category
from .place import Postcode, Ward
from .report import DESCRIPTION_MAX, Photo, Report, ReportEvent
from .status import CLOSED, LABELS, OPEN, PUBLIC, TRANSITIONS, Status, can_transition
from .security import LoginThrottle
from .user import Role, User
from .workflow import Crew, CrewMember, FixRating, OutboxMessage, ResponseTemplate, Subscription, Supporter

__all__ = ["Base", "utcnow", "Category", "Postcode", "Ward", "DESCRIPTION_MAX", "Photo", "Report",
           "ReportEvent", "CLOSED", "LABELS", "OPEN", "PUBLIC", "TRANSITIONS", "Status", "can_transition",
           "Role", "User", "LoginThrottle", "Crew", "CrewMember", "FixRating", "OutboxMessage",
           "ResponseTemplate", "Subscription", "Supporter"]
