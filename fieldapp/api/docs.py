"""The API's own description, for client writers and for schemathesis."""

from flask import jsonify

from fieldapp.api.blueprint import bp


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of every /api endpoint, built on the first request for it."""
    # Imported here, not at the top: building the document needs pydantic, which no other
    # request (push and pull least of all) should pay for (tests/api/test_response_shapes.py).
    from fieldapp.api.openapi import openapi_document

    return jsonify(openapi_document())
