"""Pages for the public, with no sign-in: /receipt, where a person searched asks for their record.

The page tells the requester nothing about any search: a known reference and
an unknown one get the same answer, word for word (only the reference they
typed is echoed back). Requests are limited per address (see operations).
The answer is rendered from the POST, so the contact details never travel in
an address; every response is ``no-store``.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from fieldapp.models.types import utcnow
from fieldapp.public import operations
from fieldapp.public.forms import RecordRequestForm

bp = Blueprint("public", __name__, template_folder="templates")

NO_STORE = {"Cache-Control": "no-store"}
#: What a refused requester is told to wait, in seconds: the limit's whole window, at most.
RETRY_AFTER = int(operations.WINDOW.total_seconds())


def described(field, hint_id: str) -> dict[str, str]:
    """The ARIA attributes of an input with a hint (``<hint_id>-hint``) and perhaps errors (``-error``)."""
    attrs = {"aria-describedby": f"{hint_id}-hint" + (f" {hint_id}-error" if field.errors else "")}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return attrs


@bp.context_processor
def _helpers() -> dict:
    return {"described": described}


@bp.route("/receipt", methods=["GET", "POST"])
def receipt():
    """The request form (``?ref=`` fills the reference in: the receipt's QR code links here); on a
    valid POST the request is stored and the same answer is given whatever the reference."""
    form = RecordRequestForm()
    if request.method == "GET" and not form.reference.data:
        form.reference.data = request.args.get("ref", "")[:40].strip()
    days = current_app.config["RECORD_REQUEST_ANSWER_DAYS"]
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("public/receipt.html", form=form, days=days), status, NO_STORE
    received = operations.receive(form.reference.data, form.contact.data, form.preference.data or None,
                                  request.remote_addr, utcnow())
    if received.refused:
        return render_template("public/too_many.html"), 429, {**NO_STORE, "Retry-After": str(RETRY_AFTER)}
    return render_template("public/received.html", reference=form.reference.data.strip(), days=days), 200, NO_STORE
