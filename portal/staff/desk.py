"""Staff search, people (the CRM record) and the dashboard. Every view needs the staff or admin role."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from models import NEEDS, PREFERENCES, Person, Ward

from .. import db
from ..forms import add_error, form_errors
from ..permissions import STAFF, roles_required
from ..services import dashboard as dashboards, people, search as searching
from ..services.errors import DomainError, Refused
from . import bp
from .desk_forms import DashboardForm, OverdueNoticesForm, PersonForm, SearchForm


def page_url(endpoint: str, **changes) -> str:
    """This page's URL with some parameters changed (others kept as given)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items()})
    return url_for(endpoint, **{k: v for k, v in args.items() if v not in ("", None)})


@bp.get("/search")
@roles_required(*STAFF)
def search():
    session = db.session()
    form = SearchForm(request.args)
    form.ward.choices = [("", "All wards"), *((w.id, w.name) for w in session.scalars(select(Ward).order_by(Ward.name)))]
    form.validate()
    # A page number comes from the page's links, not a box: a bad one shows the first page.
    errors = [e for e in form_errors(form) if e[0] != form.page.id]
    result = searching.search(session, form.query()) if form.asked else searching.SearchResult()
    return render_template("staff/search.html", form=form, result=result, errors=errors, asked=form.asked,
                           page_url=lambda n: page_url("staff.search", page=n)), 400 if errors else 200


def _person(person_id: int) -> Person:
    person = db.session().get(Person, person_id)
    if person is None:
        abort(404)
    return person


def _person_page(person: Person, form: PersonForm | None = None, errors=None, status: int = 200):
    record = people.person_record(db.session(), person)
    form = form or PersonForm(formdata=None, data={
        "name": person.name, "email": person.email, "phone": person.phone,
        "preference": person.preferred_contact, "needs": list(person.needs or []), "needs_note": person.needs_note})
    return render_template("staff/person.html", record=record, person=person, form=form, errors=errors or [],
                           preferences=PREFERENCES, needs=NEEDS), status


@bp.get("/people/<int:person_id>")
@roles_required(*STAFF)
def person(person_id: int):
    return _person_page(_person(person_id))


@bp.post("/people/<int:person_id>")
@roles_required(*STAFF)
def edit_person(person_id: int):
    person = _person(person_id)
    form = PersonForm()
    if not form.validate_on_submit():
        return _person_page(person, form, form_errors(form), 400)
    details = people.ContactDetails(name=form.name.data or "", email=form.email.data or "",
                                    phone=form.phone.data or "", preference=form.preference.data or "",
                                    needs=[n for n in form.needs.data or []], needs_note=form.needs_note.data or "")
    try:
        people.update_person(db.session(), person, details)
    except DomainError as exc:
        problems = exc.problems if isinstance(exc, Refused) else [exc]
        errors = [add_error(form, p.field, p.message, fallback="p-name") for p in problems]
        return _person_page(db.session().get(Person, person_id), form, errors, 400)
    flash("Contact details saved.", "success")
    return redirect(url_for("staff.person", person_id=person.id))


@bp.get("/dashboard")
@roles_required(*STAFF)
def dashboard():
    form = DashboardForm(request.args)
    form.validate()
    by = form.by.data if not form.by.errors and form.by.data in dashboards.GROUPINGS else "category"
    board = dashboards.dashboard(db.session(), by)
    if request.args.get("format") == "csv":
        return Response(dashboards.as_csv(board), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="kerbside-dashboard-{by}.csv"'})
    notices = OverdueNoticesForm(formdata=None, data={"on": "0" if current_user.notify_overdue else "1"})
    errors = form_errors(form)
    return render_template("staff/dashboard.html", form=form, board=board, notices=notices, errors=errors,
                           csv_url=url_for("staff.dashboard", by=by, format="csv")), 400 if errors else 200


@bp.post("/dashboard/notices")
@roles_required(*STAFF)
def overdue_notices():
    form = OverdueNoticesForm()
    if not form.validate_on_submit() or form.on.data not in ("0", "1"):
        flash("Nothing was changed: the form had expired. Try again.", "error")
        return redirect(url_for("staff.dashboard"))
    on = form.on.data == "1"
    dashboards.set_overdue_notices(db.session(), current_user, on)
    flash("You will be emailed about overdue reports, with a daily digest." if on else
          "You will no longer be emailed about overdue reports.", "success")
    return redirect(url_for("staff.dashboard"))
