"""The API's own description, for client writers and for schemathesis."""

from flask import jsonify

from fieldapp.api.blueprint import bp


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of every /api endpoint."""
    from fieldapp.api.openapi import openapi_document

    return jsonify(openapi_document())
