"""Kerbside's data model: SQLAlchemy 2.0 typed models. Knows nothing of Flask or HTTP."""
from .base import Base, utcnow
from .category import Category
from .place import Postcode, Ward
from .report import DESCRIPTION_MAX, DESCRIPTION_MAX_API, Photo, Report, ReportEvent
from .status import CLOSED, LABELS, OPEN, PUBLIC, TRANSITIONS, Status, can_transition
from .security import LoginThrottle, RecoveryCode
from .links import UsedLink
from .performance import ALL_CATEGORIES, PerfDaily, PerfFixHours, PerfFixHoursMonthly, HexDaily
from .user import Role, User
from .audit import AdminAction, AdminActionKind
from .apikey import ApiKey
from .contact import ReportContact
from .bodies import OPEN311_FORMATS, Body, BodySend, BodyService, Team
from .workflow import Crew, CrewMember, FixRating, OutboxMessage, ResponseTemplate, Subscription, Supporter

__all__ = ["Base", "utcnow", "Category", "Postcode", "Ward", "DESCRIPTION_MAX", "DESCRIPTION_MAX_API", "Photo", "Report",
           "ReportEvent", "CLOSED", "LABELS", "OPEN", "PUBLIC", "TRANSITIONS", "Status", "can_transition",
           "Role", "User", "AdminAction", "AdminActionKind", "LoginThrottle", "RecoveryCode", "UsedLink", "ApiKey",
           "ReportContact",
           "ALL_CATEGORIES", "PerfDaily", "PerfFixHours", "PerfFixHoursMonthly", "HexDaily",
           "OPEN311_FORMATS", "Body", "BodySend", "BodyService", "Team",
           "Crew", "CrewMember", "FixRating", "OutboxMessage", "ResponseTemplate", "Subscription", "Supporter"]
