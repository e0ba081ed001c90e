"""Roles are checked on the server, and the database only accepts known roles."""

import pytest
from sqlalchemy.exc import IntegrityError

from fieldapp.access import role_required
from fieldapp.extensions import db
from fieldapp.models import Role, User


@pytest.fixture
def guarded(app):
    """Two pages: one for supervisors and admins, one for admins only."""

    @role_required(Role.SUPERVISOR, Role.ADMIN)
    def review_page():
        return "review"

    @role_required(Role.ADMIN)
    def admin_page():
        return "admin"

    app.add_url_rule("/test-review", view_func=review_page)
    app.add_url_rule("/test-admin", view_func=admin_page)
    return app


@pytest.mark.parametrize(
    ("role", "review", "admin"),
    [("officer", 403, 403), ("supervisor", 200, 403), ("admin", 200, 200)],
)
def test_role_matrix(guarded, client, auth, create_user, role, review, admin):
    create_user("someone", role=role)
    auth.login("someone")
    assert client.get("/test-review").status_code == review
    assert client.get("/test-admin").status_code == admin


def test_signed_out_is_sent_to_sign_in(guarded, client):
    response = client.get("/test-admin")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_the_database_refuses_an_unknown_role(create_user):
    user = create_user("pc1")
    user.role = "chief"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(User, user.id).role == "officer"
