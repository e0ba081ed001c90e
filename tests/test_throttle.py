"""Sign-in throttling under concurrency (issue 13): counted atomically, per (username, address)."""

from __future__ import annotations

import threading

from tests.fixtures.app import TEST_PASSWORD

ATTEMPTS = 12


def _at_once(app, send) -> list[int]:
    """Run ``send(client)`` from ATTEMPTS threads released together, each with its own client and
    database session (each request pushes its own app context); the statuses answered."""
    barrier = threading.Barrier(ATTEMPTS)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt() -> None:
        client = app.test_client()
        barrier.wait()
        status = send(client)
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == ATTEMPTS
    return statuses


def test_concurrent_wrong_passwords_on_the_api_get_at_most_the_limit(app, create_user):
    create_user("pc1")
    limit = app.config["LOGIN_THROTTLE_LIMIT"]
    statuses = _at_once(app, lambda client: client.post(
        "/api/auth/token", json={"username": "pc1", "password": "wrong password!", "device_name": "Phone"}
    ).status_code)
    assert set(statuses) <= {401, 429}
    assert statuses.count(401) <= limit and statuses.count(429) >= ATTEMPTS - limit
    # Refused attempts do not count (attempts in flight may have refused more than needed), but
    # the window never hears more than the limit: more guesses one by one are refused once it is reached.
    for _ in range(limit):
        statuses.append(app.test_client().post("/api/auth/token", json={
            "username": "pc1", "password": "wrong password!", "device_name": "Phone"}).status_code)
    assert statuses.count(401) == limit
    response = app.test_client().post("/api/auth/token", json={"username": "pc1", "password": TEST_PASSWORD,
                                                               "device_name": "Phone"})
    assert response.status_code == 429  # even the right password, from here


def test_concurrent_wrong_passwords_on_the_web_get_at_most_the_limit(app, create_user):
    from tests.fixtures.web import csrf_token

    create_user("pc1")
    limit = app.config["LOGIN_THROTTLE_LIMIT"]

    def sign_in(client) -> int:
        token = csrf_token(client)
        return client.post("/login", data={"username": "pc1", "password": "wrong password!",
                                           "csrf_token": token}).status_code

    statuses = _at_once(app, sign_in)
    assert set(statuses) <= {200, 429}
    assert statuses.count(200) <= limit


def test_the_owner_signs_in_from_elsewhere_while_an_address_is_throttled(app, create_user):
    create_user("pc1")
    for _ in range(ATTEMPTS):
        app.test_client().post("/api/auth/token", environ_base={"REMOTE_ADDR": "203.0.113.9"},
                               json={"username": "pc1", "password": "wrong password!", "device_name": "Phone"})
    elsewhere = app.test_client().post("/api/auth/token", environ_base={"REMOTE_ADDR": "10.1.2.3"},
                                       json={"username": "pc1", "password": TEST_PASSWORD, "device_name": "Phone"})
    assert elsewhere.status_code == 201


def test_a_station_signing_in_at_once_from_one_address_is_not_capped(app, create_user):
    """Officers behind one address sign in together: sign-ins in flight are not failures, so the
    address's cap (counted in failures) does not refuse any of them, however low it is set."""
    app.config["LOGIN_THROTTLE_ADDRESS_LIMIT"] = 2
    for n in range(ATTEMPTS):
        create_user(f"pc{n}")
    names = iter(range(ATTEMPTS))
    lock = threading.Lock()

    def sign_in(client) -> int:
        with lock:
            n = next(names)
        return client.post("/api/auth/token", json={"username": f"pc{n}", "password": TEST_PASSWORD,
                                                    "device_name": "Phone"}).status_code

    assert sorted(_at_once(app, sign_in)) == [201] * ATTEMPTS
