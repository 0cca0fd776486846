"""Staff moderation of residents' updates (hide or show, redact); their photos are removed like any other
(``views.remove_photo``). Each action needs a reason and is logged in the internal timeline."""
from flask_login import current_user

from ..permissions import STAFF, roles_required
from ..services import moderation
from . import bp
from .forms import HideUpdateForm, RedactUpdateForm
from .views import _act


@bp.post("/reports/<reference>/updates/<int:event_id>/hide")
@roles_required(*STAFF)
def hide_update(reference: str, event_id: int):
    form = HideUpdateForm(id_suffix=str(event_id))
    hidden = form.hidden.data == "1"
    return _act(reference, f"update-hide-{event_id}", form,
                lambda s, r: moderation.set_update_hidden(s, r, event_id, current_user, hidden, form.reason.data),
                "Update hidden from the public." if hidden else "Update shown to the public again.")


@bp.post("/reports/<reference>/updates/<int:event_id>/redact")
@roles_required(*STAFF)
def redact_update(reference: str, event_id: int):
    form = RedactUpdateForm(id_suffix=str(event_id))
    return _act(reference, f"update-redact-{event_id}", form,
                lambda s, r: moderation.redact_update(s, r, event_id, current_user, form.note.data or "",
                                                      form.reason.data),
                "Update redacted.")
