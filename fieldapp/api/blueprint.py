"""The API's blueprint: bearer tokens authenticate every call; cookies never do,
so CSRF cannot apply and the blueprint is exempt from it. Every error has one shape:
``{"error": code, "message": sentence, "errors"?: {field: sentence}}``.
"""

from flask import Blueprint

from fieldapp.api.errors import ApiError
from fieldapp.errors import json_error
from fieldapp.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    response, status = json_error(error.status, error.code, error.message, error.errors)
    response.headers.update(error.headers)
    return response, status
