"""The review pages: the queue, one entry whole, decisions, conflict resolution and photos.

Views stay thin: reads live in ``queries``/``detail``, writes in ``fieldapp.review.operations`` and
``fieldapp.api.ingest``. Every page that shows personal data writes an audit event. Nobody decides on
an entry they wrote: its author sees it read-only, and a decision or a conflict resolution they post
is refused with 403 (``operations.may_decide``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from flask_login import current_user, login_required

from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.review.conflicts import AlreadyResolved, EntryChanged, ResolveError, dismiss_conflict, resolve_conflict
from fieldapp.models import AuditAction, ConflictCopy, Encounter, Entry, Role
from fieldapp.photos import photo_response
from fieldapp.reference import reference_lists
from fieldapp.review.detail import Detail, load_detail, local_time, visible_entry, when
from fieldapp.review.forms import ConflictForm, DecisionForm, QueueFilterForm
from fieldapp.paging import InvalidCursor
from fieldapp.review.queries import (
    DEFAULT_QUEUE, Filters, Queue, Viewer, decode_after, next_waiting, position, queue_page, waited,
)
from fieldapp.review.operations import NEWER_VERSION, OWN_ENTRY, ReviewError, add_review, may_decide
from fieldapp.access import (
    PHOTO_VIEWERS, REVIEWERS, can_see_photos, find_visible_photo, is_reviewer, log_restricted_shown,
    role_required, visible_postboxes,
)

bp = Blueprint("review", __name__, url_prefix="/review", template_folder="templates")

NOT_FOUND = "No entry with that id that you can see."


def _viewer() -> Viewer:
    """The signed-in user as the queries need them."""
    return Viewer(role=current_user.role, user_id=current_user.id, team_id=current_user.team_id)


@bp.context_processor
def _helpers() -> dict:
    """Formatting, labels and who may see what, for the review templates only."""
    return {"when": when, "local_time": local_time, "label": reference_lists().label, "Role": Role,
            "can_see_photos": can_see_photos, "entry_type_labels": ENTRY_TYPE_LABELS}


def _filters(form: QueueFilterForm) -> Filters:
    """The validated form as query filters."""
    return Filters(
        type=form.type.data or None, kind=form.kind.data or None, officer=form.officer.data or None,
        state=form.state.data or None, date_from=form.from_.data, date_to=form.to.data,
        postbox=form.postbox.data, topic=form.topic.data or None, urgency=form.urgency.data or None,
        safeguarding={"yes": True, "no": False}.get(form.safeguarding.data or ""), q=form.q.data or None,
    )


def _queue(form: QueueFilterForm) -> Queue:
    """The validated form as a queue: its filters, what it needs, its order."""
    return Queue(_filters(form), needs=form.needs.data or None, order=form.order.data or "newest")


def _queue_form(args: MultiDict | None = None) -> QueueFilterForm:
    """The queue's filters from ``args`` (the request's query string); with none, what a reviewer's
    queue opens on (unreviewed, oldest first); an officer's list keeps showing everything."""
    args = request.args if args is None else args
    if not any(name != "after" for name in args) and is_reviewer(current_user.role):
        args = MultiDict(DEFAULT_QUEUE)
    return QueueFilterForm(formdata=args)


def _postboxes() -> list:
    return visible_postboxes(current_user.role, current_user.team_id)


@bp.get("")
@login_required
def queue():
    """Synced entries, filtered (a reviewer's opens on the unreviewed, oldest first), a keyset page at a time,
    under one line of the counts that matter."""
    form = _queue_form()
    cursor_error = None
    after = None
    valid = form.validate()
    if valid and request.args.get("after"):
        try:
            after = decode_after(request.args["after"], form.order.data or "newest")
        except InvalidCursor as error:
            cursor_error = str(error)
    if not valid or cursor_error:
        return render_template("review/queue.html", form=form, page=None, cursor_error=cursor_error,
                               postboxes=_postboxes(), queue_args={}, next_url=None, first_url=None), 400
    active = form.active()
    page = queue_page(_queue(form), _viewer(), after)
    next_url = url_for("review.queue") + "?" + urlencode({**active, "after": page.after}) if page.after else None
    first_url = url_for("review.queue") + ("?" + urlencode(active) if active else "") if after else None
    detail = "filters: " + (urlencode(active) or "none") + ("; later page" if after else "")
    audit.record(AuditAction.CONSULT, "review_queue", None, f"{detail}; {len(page.rows)} entries listed")
    db.session.commit()
    return render_template("review/queue.html", form=form, page=page, cursor_error=None,
                           postboxes=_postboxes(), queue_args=active, oldest_waited=waited(page.oldest_waiting),
                           next_url=next_url, first_url=first_url)


def _queue_from_link() -> tuple[Queue | None, dict[str, str]]:
    """The queue an entry was opened from (its filters travel in the entry's query string), and its
    arguments for links; (None, {}) when the link carries none or ones that do not read."""
    args = MultiDict((name, value) for name, value in request.args.items(multi=True) if name != "after")
    if not args:
        return None, {}
    form = QueueFilterForm(formdata=args)
    if not form.validate():
        return None, {}
    return _queue(form), form.active()


def _entry_or_404(entry_id: str) -> Entry:
    """The entry if the viewer may see it; 404 otherwise, so existence is not leaked."""
    entry = visible_entry(entry_id, _viewer())
    if entry is None:
        abort(404, NOT_FOUND)
    return entry


def _decidable_or_403(entry_id: str) -> Entry:
    """The entry if the viewer may see it and decide on it: 404 when unseen, 403 for its author
    (nothing is stored)."""
    entry = _entry_or_404(entry_id)
    if not may_decide(current_user.id, entry):
        abort(403, OWN_ENTRY)
    return entry


def _render_entry(entry: Entry, form: DecisionForm | None = None, status: int = 200):
    """The entry page; logs the consultation (and the showing of any restricted field)."""
    detail: Detail = load_detail(entry, _viewer())
    own = is_reviewer(current_user.role) and not may_decide(current_user.id, entry)
    reviewer = is_reviewer(current_user.role) and not own  # its author sees the entry read-only
    if reviewer and form is None:
        # The footage the officer recorded is the one the supervisor is asked to watch.
        form = DecisionForm(formdata=None, footage_ref=detail.search.footage_ref if detail.search else None)
    if form is not None:
        form.entry_version.data = str(entry.version)  # the version this page shows is the one decided on
    conflict_form = ConflictForm(formdata=None, entry_version=str(entry.version)) if reviewer else None
    from_queue, queue_args = _queue_from_link()
    place = position(from_queue, _viewer(), entry) if from_queue is not None and reviewer else None
    audit.record(AuditAction.CONSULT, "entry", entry.id, "review page")
    log_restricted_shown(entry.id, detail.restricted_shown)
    db.session.commit()
    # Personal data (and, now, the photos inline): no cache on the way keeps a copy of the page.
    return render_template("review/entry.html", d=detail, form=form if reviewer else None,
                           conflict_form=conflict_form, queue_args=queue_args, position=place,
                           own_entry=OWN_ENTRY if own else None), \
        status, {"Cache-Control": "no-store"}


@bp.get("/<entry_id>")
@login_required
def entry(entry_id: str):
    """One entry whole; officers see their own read-only, with the decisions on it."""
    return _render_entry(_entry_or_404(entry_id))


@bp.post("/<entry_id>")
@role_required(*REVIEWERS)
def decide(entry_id: str):
    """Record a decision (append-only), send it to the officer's phone, and open the next entry waiting
    in the same queue (its filters in the query string; none: the default queue)."""
    found = _decidable_or_403(entry_id)
    form = DecisionForm()
    if form.validate_on_submit():
        if form.entry_version.data and form.entry_version.data != str(found.version):
            form.form_errors.append(NEWER_VERSION)
        else:
            stop_search = found.type == "encounter" and _kind(found) == "stop_search"
            try:
                add_review(found, current_user, form.decision.data, form.comment.data,
                           grounds_assessment=(form.grounds_assessment.data or None) if stop_search else None,
                           bwv_viewed=bool(form.bwv_viewed.data) if stop_search else None,
                           manner_notes=form.manner_notes.data if stop_search else None,
                           footage_ref=form.footage_ref.data if stop_search else None)
            except ReviewError as error:
                db.session.rollback()
                form.form_errors.append(str(error))
            else:
                return _move_on(found, f"Decision recorded: "
                                f"{reference_lists().label('review_decisions', form.decision.data)}. "
                                "The officer's phone will receive it at its next sync.")
    return _render_entry(found, form, 400)


def _move_on(decided: Entry, recorded: str):
    """After a decision: to the next unreviewed entry of the queue it was made from, or back to that queue."""
    from_queue, queue_args = _queue_from_link()
    if from_queue is None:
        default = _queue_form(MultiDict())
        default.validate()
        from_queue, queue_args = _queue(default), default.active()
    following = next_waiting(from_queue, _viewer(), decided)
    if following is None:
        flash(f"{recorded} Nothing else waiting in this list.")
        return redirect(url_for("review.queue", **queue_args))
    what = (reference_lists().label("encounter_kinds", following.kind) if following.kind
            else ENTRY_TYPE_LABELS.get(following.type, following.type))
    flash(f"{recorded} Next: {what} by {following.officer}.")
    return redirect(url_for("review.entry", entry_id=following.id, **queue_args))


#: What each type of entry is called on the pages (encounters go by their kind).
ENTRY_TYPE_LABELS = {"postbox_visit": "Postbox visit", "postbox_item": "Resident's card"}


def _kind(entry: Entry) -> str | None:
    """The current encounter kind (the decision form asks more of a stop and search)."""
    return db.session.scalar(db.select(Encounter.kind).where(Encounter.entry_id == entry.id))


@bp.post("/<entry_id>/conflicts/<int:copy_id>")
@role_required(*REVIEWERS)
def conflict(entry_id: str, copy_id: int):
    """Make a conflict copy the new version, or keep the current one; the copy stays on record."""
    found = _decidable_or_403(entry_id)
    copy = db.session.get(ConflictCopy, copy_id)
    if copy is None or copy.entry_id != found.id:
        abort(404, "No conflict copy with that id on this entry.")
    back = url_for("review.entry", entry_id=found.id) + "#conflicts"
    form = ConflictForm()
    if not form.validate_on_submit():
        flash("Choose whether to make the copy the new version or keep the current one.")
        return redirect(back)
    already = "That conflict copy was already dealt with; nothing was changed."
    if copy.resolved_at is not None:
        flash(already)
        return redirect(back)
    # The version the page showed; a form from before it carried one: the version this request read.
    raw_version = (form.entry_version.data or "").strip()
    readable = raw_version.isascii() and raw_version.isdigit() and len(raw_version) < 10
    seen_version = int(raw_version) if readable else found.version
    try:
        if form.action.data == "resolve":
            version = resolve_conflict(copy, current_user.id, seen_version=seen_version)
            flash(f"The conflict copy is now version {version}. The officer's phone will receive it.")
        else:
            dismiss_conflict(copy, current_user.id)
            flash("The current version was kept; the copy stays on record.")
    except AlreadyResolved:  # another supervisor got there between the page and the click
        flash(already)
    except EntryChanged as changed:  # a new version arrived meanwhile: the copy must be weighed against it
        flash(f"The entry changed while you were deciding: it is now version {changed.version}. "
              "Nothing was changed; look at the entry again and choose.")
    except ResolveError as error:
        details = "; ".join(f"{name}: {message}" for name, message in error.errors.items())
        flash(f"The copy cannot become a version as it is ({details}). Nothing was changed.")
    return redirect(back)


@bp.get("/<entry_id>/photos/<photo_id>")
@role_required(*PHOTO_VIEWERS)
def photo(entry_id: str, photo_id: str):
    """A photo's bytes, for supervisors and admins who can see the entry; each view logged."""
    found = _entry_or_404(entry_id)
    item = find_visible_photo(photo_id, found, current_user.role)
    if item is None:
        abort(404, "No photo with that id on this entry.")
    audit.record(AuditAction.CONSULT, "photo", item.id, f"photo of entry {found.id}, review page")
    db.session.commit()
    return photo_response(item)
