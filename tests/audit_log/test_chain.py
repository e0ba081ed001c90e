"""The audit log's hash chain: every event takes the next place, and any change is found and named.

The tampering here is what an attacker with the owner's rights can do: lift the
append-only triggers (DISABLE TRIGGER on PostgreSQL, DROP TRIGGER on SQLite),
then change, remove or insert rows.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from fieldapp.audit import chain
from fieldapp.audit import operations as audit
from fieldapp.audit.commands import audit_command
from fieldapp.extensions import db
from fieldapp.models import AuditAction, AuditEvent
from tests.factories import stop_search

SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
]


def tamper(*statements: str, **params) -> None:
    """Run statements on the audit log with its append-only triggers lifted, as its owner could."""
    db.session.remove()
    with db.engine.begin() as conn:
        postgresql = conn.dialect.name == "postgresql"
        if postgresql:
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))
        for statement in statements:
            conn.execute(text(statement), params)
        if postgresql:
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        else:
            for trigger in SQLITE_TRIGGERS:
                conn.execute(text(trigger))


def write_events(count: int) -> None:
    """``count`` events, as the app writes them (one per commit, so each takes its own place)."""
    for n in range(count):
        audit.record(AuditAction.CONSULT, "entry", f"e{n}", f"looked at {n}")
        db.session.commit()


def places() -> list[tuple[int, str]]:
    return [tuple(row) for row in db.session.execute(text("SELECT seq, chain_hash FROM audit_events ORDER BY seq"))]


def cli(app, *args: str):
    return app.test_cli_runner().invoke(audit_command, list(args))


# --- the chain as written ------------------------------------------------------------------------

def test_every_event_takes_the_next_place_and_links_to_the_one_before(app, officer):
    write_events(2)
    audit.record_many(AuditAction.ALTER, "device", [7, 8, 9], "three in one insert")
    db.session.commit()
    officer.push(stop_search(), stop_search())  # the sync path: its 'collect' events at commit
    rows = db.session.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq)).mappings().all()
    assert [row["seq"] for row in rows] == list(range(1, len(rows) + 1))
    assert len(rows) >= 7
    previous = chain.GENESIS
    for row in rows:
        assert row["chain_hash"] == chain.link(previous, row)
        previous = row["chain_hash"]
    result = audit.verify()
    assert result.intact and result.head == chain.Head(len(rows), previous), result.problems


def test_an_event_of_a_transaction_rolled_back_is_never_written(app):
    write_events(1)
    audit.record(AuditAction.CONSULT, "entry", "gone", "rolled back")
    db.session.rollback()
    audit.record(AuditAction.CONSULT, "entry", "kept", "committed")
    db.session.commit()
    assert db.session.execute(text("SELECT seq, record_id FROM audit_events ORDER BY seq")).all() == [
        (1, "e0"), (2, "kept")]
    assert audit.verify().intact


def test_events_added_as_objects_are_chained_too(app, add_event):
    add_event(datetime(2026, 3, 1, tzinfo=UTC), detail="added as an object")
    write_events(1)
    assert [seq for seq, _ in places()] == [1, 2]
    assert audit.verify().intact


def test_writers_in_parallel_each_take_their_own_place(app, make_app):
    # Two app instances (as two processes would) writing from eight threads at once.
    apps = [app, make_app()]
    errors = []

    def write(app, n: int) -> None:
        try:
            with app.app_context():
                for k in range(10):
                    audit.record(AuditAction.CONSULT, "entry", f"t{n}-{k}")
                    audit.record_many(AuditAction.ALTER, "entry", [f"t{n}-{k}-a", f"t{n}-{k}-b"])
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 (reported below, with the thread's number)
            errors.append((n, exc))

    threads = [threading.Thread(target=write, args=(apps[n % 2], n)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert [seq for seq, _ in places()] == list(range(1, 8 * 10 * 3 + 1))
    result = audit.verify()
    assert result.intact and result.events == 240, result.problems


# --- tampering, found and named ------------------------------------------------------------------

def test_a_changed_event_is_named(app):
    write_events(5)
    tamper("UPDATE audit_events SET detail = 'nothing to see' WHERE seq = 3")
    result = audit.verify()
    assert not result.intact
    assert re.match(r"event #3 \(id \d+\) does not match the chain", result.problems[0]), result.problems
    assert len(result.problems) == 1  # the walk goes on from the stored hash: #4 and #5 still link


def test_a_removed_event_is_named(app):
    write_events(5)
    tamper("DELETE FROM audit_events WHERE seq = 2")
    assert audit.verify().problems == [
        f"event #2 removed: the chain goes from #1 to #3 (id {db.session.scalar(text('SELECT id FROM audit_events WHERE seq = 3'))})"]


def test_an_event_renumbered_into_a_gap_is_found(app):
    write_events(4)
    tamper("DELETE FROM audit_events WHERE seq = 2", "UPDATE audit_events SET seq = 2 WHERE seq = 4")
    problems = audit.verify().problems
    assert problems[0].startswith("event #2 (id ") and "does not match the chain" in problems[0]


def test_an_event_inserted_at_the_end_with_a_made_up_hash_is_found(app):
    write_events(3)
    tamper("INSERT INTO audit_events (at, action, record_type, seq, chain_hash) "
           "VALUES (CURRENT_TIMESTAMP, 'consult', 'entry', 4, :fake)", fake="f" * 64)
    assert audit.verify().problems[0].startswith("event #4 (id ")


def test_an_event_inserted_outside_the_chain_is_found(app):
    write_events(2)
    db.session.execute(text("INSERT INTO audit_events (at, action, record_type) "
                            "VALUES (CURRENT_TIMESTAMP, 'consult', 'entry')"))  # no trigger stops an insert
    db.session.commit()
    [problem] = audit.verify().problems
    assert re.fullmatch(r"1 event with no place in the chain \(the first: id \d+\): put in by other means than "
                        r"the app", problem)


def test_a_chain_rewritten_from_some_event_on_is_caught_by_a_recorded_head(app):
    write_events(4)
    recorded = audit.verify().head
    # Change event 2 and recompute every hash after it: the chain is consistent again on its own.
    tamper("UPDATE audit_events SET detail = 'rewritten' WHERE seq = 2")
    rows = db.session.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq)).mappings().all()
    previous, fixes = chain.GENESIS, []
    for row in rows:
        previous = chain.link(previous, row)
        fixes.append(f"UPDATE audit_events SET chain_hash = '{previous}' WHERE seq = {row['seq']}")
    tamper(*fixes)
    assert audit.verify().intact  # without the anchor, nothing to compare with
    problems = audit.verify(recorded).problems
    assert problems == [f"event #4 (id {rows[3]['id']}) is not the recorded head {recorded}: the chain up to it "
                        "was rewritten"]


def test_events_removed_from_the_end_are_caught_by_a_recorded_head(app):
    write_events(4)
    recorded = audit.verify().head
    tamper("DELETE FROM audit_events WHERE seq >= 3")
    assert audit.verify().intact
    assert audit.verify(recorded).problems == [
        f"the chain ends at #2, before the recorded head #4: events were removed from its end"]


# --- the commands and the page -------------------------------------------------------------------

def test_head_prints_the_place_and_hash_to_record(app):
    assert cli(app, "head").output == "The audit log is empty: there is no head yet.\n"
    write_events(3)
    result = cli(app, "head")
    assert result.exit_code == 0
    first, second = result.output.splitlines()
    assert chain.Head.parse(first) == audit.verify().head and first.startswith("3:")
    assert f"'fieldapp audit verify --head {first}'" in second


def test_verify_exits_non_zero_naming_the_first_bad_event(app):
    write_events(3)
    good = cli(app, "verify")
    assert good.exit_code == 0, good.output
    assert re.fullmatch(r"Audit chain intact: 3 events, head 3:[0-9a-f]{64}\.\n", good.output)
    head = chain.Head.parse(cli(app, "head").output.splitlines()[0])  # the verification's own event: #4
    assert head.seq == 4
    tamper("UPDATE audit_events SET record_id = 'other' WHERE seq = 2")
    bad = cli(app, "verify", "--head", str(head))
    assert bad.exit_code == 1
    assert bad.output.startswith("Audit chain BROKEN: event #2 (id ")
    assert cli(app, "verify", "--head", "4:abc").exit_code == 2  # not a head: a usage error


def test_each_verification_is_logged_and_shown_on_the_audit_page(app, client, admin):
    page = client.get("/audit").get_data(as_text=True)
    assert "Never verified." in page
    cli(app, "verify")
    event = audit.last_verification()
    assert event.record_type == "audit_log" and event.detail.startswith("chain verified: intact: ")
    page = client.get("/audit").get_data(as_text=True)
    head = audit.verify().head
    assert f'<code class="audit-head">{head}</code>' in page
    assert "Last verified " in page and "intact: " in page and "audit-chain-broken" not in page
    tamper("UPDATE audit_events SET detail = 'x' WHERE seq = 1")
    cli(app, "verify")
    page = client.get("/audit").get_data(as_text=True)
    assert "audit-chain-broken" in page and "<strong>BROKEN: event #1 (id " in page


def test_a_head_is_read_only_in_its_printed_form():
    head = chain.Head(12, "a" * 64)
    assert chain.Head.parse(f" {head} \n") == head
    for bad in ("", "12", "12:" + "a" * 63, "0:" + "a" * 64, "x:" + "a" * 64, "12:" + "g" * 64):
        with pytest.raises(ValueError, match="is not a head"):
            chain.Head.parse(bad)


def test_the_hash_covers_every_field_and_the_time_to_the_microsecond():
    event = {"seq": 1, "at": datetime(2026, 3, 1, 12, 0, 0, 1, tzinfo=UTC), "actor_id": 3, "action": "consult",
             "record_type": "entry", "record_id": "e1", "device_id": None, "remote_addr": "10.0.0.1",
             "detail": "Zoë's card"}
    base = chain.link(chain.GENESIS, event)
    changes = {"seq": 2, "at": datetime(2026, 3, 1, 12, 0, 0, 2, tzinfo=UTC), "actor_id": 4, "action": "alter",
               "record_type": "user", "record_id": "e2", "device_id": 1, "remote_addr": "10.0.0.2",
               "detail": "Zoe's card"}
    assert set(changes) == set(chain.FIELDS)
    for name, value in changes.items():
        assert chain.link(chain.GENESIS, {**event, name: value}) != base, name
    assert chain.link("1" * 64, event) != base


def test_the_commands_are_part_of_fieldapp():
    from fieldapp.cli import main

    assert set(main.commands["audit"].commands) == {"head", "verify"}


def test_the_hashed_content_is_plain_compact_json_anyone_can_reproduce():
    import json

    event = {"seq": 7, "at": datetime(2026, 3, 1, 12, 0, 0, 5, tzinfo=UTC), "actor_id": None, "action": "consult",
             "record_type": "entry", "record_id": "e1", "device_id": 2, "remote_addr": "::1",
             "detail": 'Zoë \u2028 \x1f \x7f "quoted" \\ \t\n \U0001F600'}
    values = [event[name] for name in chain.FIELDS]
    values[1] = "2026-03-01T12:00:00.000005+00:00"
    assert chain.canonical(event) == json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()


def test_a_writer_waiting_for_a_row_does_not_hold_the_chain(app, make_app, create_user, postgres_url):
    # A holds a row lock and then logs; B changes that row and logs. B must wait for the row before
    # it takes the chain's lock: held while waiting, A's commit would wait for it (a deadlock).
    if postgres_url is None:
        pytest.skip("PostgreSQL: SQLite's write lock already runs writers one at a time")
    from fieldapp.models import User

    user_id = create_user("pc9").id
    db.session.commit()
    other = make_app()
    errors, b_pid = [], []

    def change_the_row() -> None:
        try:
            with other.app_context():
                b_pid.append(db.session.scalar(text("SELECT pg_backend_pid()")))
                db.session.get(User, user_id).display_name = "Changed"
                audit.record(AuditAction.ALTER, "user", user_id, "B")
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    db.session.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE"), {"id": user_id})
    thread = threading.Thread(target=change_the_row)
    thread.start()
    waiting = text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid")
    with db.engine.connect() as watcher:
        while thread.is_alive() and not (b_pid and watcher.execute(waiting, {"pid": b_pid[0]}).scalar()):
            watcher.rollback()  # a fresh snapshot of pg_stat_activity each time
    audit.record(AuditAction.CONSULT, "user", user_id, "A")
    db.session.commit()
    thread.join(30)
    assert not errors and not thread.is_alive()
    assert audit.verify().intact
