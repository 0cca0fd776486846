"""Staff moderation of residents' updates (hide or show, redact); their photos are removed like any other
(``views.remove_photo``). Each action needs a reason and is logged in the internal timeline."""
from flask import request
from flask_login import current_user

from ..permissions import STAFF, roles_required
from ..services import moderation
from . import bp
from .views import _act


@bp.post("/reports/<reference>/updates/<int:event_id>/hide")
@roles_required(*STAFF)
def hide_update(reference: str, event_id: int):
    hidden = request.form.get("hidden") == "1"
    return _act(reference, lambda s, r: moderation.set_update_hidden(s, r, event_id, current_user, hidden,
                                                                      request.form.get("reason", "")),
                "Update hidden from the public." if hidden else "Update shown to the public again.")


@bp.post("/reports/<reference>/updates/<int:event_id>/redact")
@roles_required(*STAFF)
def redact_update(reference: str, event_id: int):
    return _act(reference, lambda s, r: moderation.redact_update(s, r, event_id, current_user,
                                                                  request.form.get("note", "")[:4000],
                                                                  request.form.get("reason", "")),
                "Update redacted.")
