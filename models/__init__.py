"""Kerbside's data model: SQLAlchemy 2.0 typed models. Knows nothing of Flask or HTTP."""
from .base import Base, utcnow
from .category import Category
from .place import Postcode, Ward
from .report import DESCRIPTION_MAX, DESCRIPTION_MAX_API, PRIORITY_LABELS, Photo, Report, ReportEvent
from .status import CLOSED, IN_HAND, LABELS, OPEN, PUBLIC, TRANSITIONS, Status, can_transition
from .security import LoginThrottle, RecoveryCode
from .links import UsedLink
from .performance import (ALL_CATEGORIES, HexDaily, HotspotCache, PerfDaily, PerfDueDaily, PerfDueMonthly,
                          PerfFixHours, PerfFixHoursMonthly, PerfFlowDaily)
from .user import Role, User
from .audit import AdminAction, AdminActionKind
from .apikey import ApiKey
from .contact import ReportContact
from .street import Street
from .alerts import ALERT_KINDS, FREQUENCIES, RADIUS_MAX, RADIUS_MIN, Alert, AlertCategory, AlertHit, AlertProgress, Questionnaire
from .area import Area, AreaPart, AreaWard, FairnessFigure, FairnessRefresh
from .councillor import CouncillorDigest, UserWard
from .person import NEEDS, PREFERENCES, Person
from .digest import DigestSent
from .enforcement import ENFORCEMENT_ACTIONS, ENFORCEMENT_NOTE_MAX, EnforcementAction
from .bodies import OPEN311_FORMATS, Body, BodySend, BodyService, Team
from .flag import FLAG_MESSAGE_MAX, FLAG_OUTCOMES, FLAG_REASONS, ContentFlag
from .workflow import Crew, CrewMember, FixRating, OutboxMessage, ResponseTemplate, Subscription, Supporter

__all__ = ["Base", "utcnow", "Category", "Postcode", "Ward", "DESCRIPTION_MAX", "DESCRIPTION_MAX_API", "PRIORITY_LABELS", "Photo", "Report",
           "ReportEvent", "CLOSED", "IN_HAND", "LABELS", "OPEN", "PUBLIC", "TRANSITIONS", "Status", "can_transition",
           "Role", "User", "AdminAction", "AdminActionKind", "LoginThrottle", "RecoveryCode", "UsedLink", "ApiKey",
           "ReportContact", "NEEDS", "PREFERENCES", "Person", "DigestSent",
           "ALL_CATEGORIES", "PerfDaily", "PerfFixHours", "PerfFixHoursMonthly", "HexDaily",
           "Crew", "CrewMember", "FixRating", "OutboxMessage", "ResponseTemplate", "Subscription", "Supporter",
           "Street", "ALERT_KINDS", "FREQUENCIES", "RADIUS_MAX", "RADIUS_MIN", "Alert", "AlertCategory", "AlertHit",
           "AlertProgress", "Questionnaire",
           "Area", "AreaPart", "AreaWard", "FairnessFigure", "FairnessRefresh", "HotspotCache", "CouncillorDigest", "UserWard",
           "ENFORCEMENT_ACTIONS", "ENFORCEMENT_NOTE_MAX", "EnforcementAction",
           "OPEN311_FORMATS", "Body", "BodySend", "BodyService", "Team",
           "FLAG_MESSAGE_MAX", "FLAG_OUTCOMES", "FLAG_REASONS", "ContentFlag"]
