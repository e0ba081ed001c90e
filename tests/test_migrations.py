"""The Alembic migrations build exactly the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from fieldapp.extensions import db
from fieldapp.models import AuditAction


def schema_differences(app) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_gives_exactly_the_models(make_app, empty_database_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        assert schema_differences(app) == []


def test_downgrade_to_nothing_and_back(make_app, empty_database_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert schema_differences(app) == []


def test_migrated_audit_log_is_append_only(make_app, empty_database_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO audit_events (at, action, record_type) "
                              "VALUES (CURRENT_TIMESTAMP, 'consult', 'test')"))
        for statement in ("UPDATE audit_events SET detail = 'changed'", "DELETE FROM audit_events"):
            with pytest.raises(DatabaseError, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(text(statement))
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*), max(detail) FROM audit_events")).one() == (1, None)


def test_an_older_database_with_data_is_brought_up_to_date(make_app, empty_database_url):
    """`fieldapp init-db` on a database at the first revision keeps its rows and adds the rest."""
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision="1d76dc644c95")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO teams (name, created_at) VALUES ('Old team', CURRENT_TIMESTAMP)"))
        assert "photos" not in inspect(db.engine).get_table_names()
        upgrade()
        assert schema_differences(app) == []
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM teams")).scalar() == "Old team"
            assert conn.execute(text("SELECT value FROM sync_counters WHERE name = 'changes'")).scalar() == 0


def test_postgresql_knows_how_common_a_searched_word_is(make_app, empty_database_url):
    """Migration 0005: statistics on the queue's lower(...) expressions, so that the planner sees a
    word in half the grounds as common (without them it guesses 0.5% of rows, and for a common word
    it then reads and sorts a whole team's entries instead of walking the newest first)."""
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("statistics on expressions are PostgreSQL's")
    from fieldapp.demo import seed_demo
    from fieldapp.api.ingest import Author, push
    from fieldapp.models import User
    from tests.factories import GROUNDS, stop_search

    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        seed_demo()
        officer = db.session.scalar(db.select(User).filter_by(username="officer1"))
        author = Author(officer.id, officer.team_id, None)
        for start in range(0, 400, 100):
            batch = [stop_search(grounds=GROUNDS + (" Screwdriver in hand." if n % 2 else "")) for n in range(100)]
            assert {r["status"] for r in push(batch, author)} == {"created"}
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE encounters"))
            plan = conn.execute(text("EXPLAIN (FORMAT JSON) SELECT 1 FROM encounters "
                                     "WHERE lower(grounds) LIKE '%screwdriver%'")).scalar_one()
        assert plan[0]["Plan"]["Plan Rows"] >= 100  # 200 of the 400 match; the blind guess is 2
        downgrade(revision="8e4f2a6c1b37")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_statistic_ext WHERE stxname LIKE 'st_%'")).scalar() == 0


def test_photo_files_move_into_the_database(make_app, empty_database_url, tmp_path, monkeypatch, caplog):
    """Migration 0006: the upload folder's files become photo_blobs rows; a photo whose file is missing
    or damaged is logged and erased (with its audit event), not fatal; downgrade writes the files back."""
    import hashlib
    import uuid

    import sqlalchemy as sa

    from fieldapp.demo import seed_demo
    from fieldapp.api.ingest import Author, push
    from fieldapp.models import User
    from fieldapp.models.types import UTCDateTime, utcnow
    from tests.factories import stop_search

    folder = tmp_path / "uploads"
    monkeypatch.setenv("FIELDAPP_UPLOAD_FOLDER", str(folder))
    kept, lost, damaged = (b"\x89PNG\r\n\x1a\n" + bytes([n]) * 100 for n in range(3))
    digest = {data: hashlib.sha256(data).hexdigest() for data in (kept, lost, damaged)}
    for data in (kept, damaged):
        path = folder / digest[data][:2] / digest[data]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if data is kept else b"not the bytes that were sent")
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        # Today's code writes the data (its audit events take places in the chain), then the
        # schema goes back to the revision before 0006 to be given the photos it had.
        upgrade()
        seed_demo()
        officer = db.session.scalar(db.select(User).filter_by(username="officer1"))
        entry = stop_search()
        assert push([entry], Author(officer.id, officer.team_id, None))[0]["status"] == "created"
        officer_id = officer.id
        db.session.remove()
        downgrade(revision="3d9b7e1f5a60")
        photos = {uuid.uuid4(): kept, uuid.uuid4(): kept, uuid.uuid4(): lost, uuid.uuid4(): damaged}
        columns = ("id", sa.Uuid), ("entry_id", sa.Uuid), ("content_type", sa.String), ("size", sa.Integer), \
            ("sha256", sa.String), ("uploaded_by", sa.Integer), ("uploaded_at", UTCDateTime)
        table = sa.table("photos", *(sa.column(name, type_) for name, type_ in columns))
        with db.engine.begin() as conn:
            conn.execute(table.insert(), [
                {"id": photo_id, "entry_id": uuid.UUID(entry["id"]), "content_type": "image/png", "size": len(data),
                 "sha256": digest[data], "uploaded_by": officer_id, "uploaded_at": utcnow()}
                for photo_id, data in photos.items()])
        db.session.remove()

        with caplog.at_level("WARNING"):
            upgrade()
        assert schema_differences(app) == []
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT sha256, size, data FROM photo_blobs")).all() == [
                (digest[kept], len(kept), kept)]
            assert {row[0] for row in conn.execute(text("SELECT sha256 FROM photos"))} == {digest[kept]}
            erased = conn.execute(text("SELECT record_id, detail FROM audit_events WHERE action = 'erase' "
                                       "AND record_type = 'photo' ORDER BY record_id")).all()
        gone = sorted(str(photo_id) for photo_id, data in photos.items() if data is not kept)
        assert [record_id for record_id, _ in erased] == gone
        assert all("file missing from the upload folder" in detail for _, detail in erased)
        assert f"{digest[lost]} not moved" in caplog.text and f"{digest[damaged]} not moved" in caplog.text
        assert f"{digest[damaged][:2]}/{digest[damaged]} is damaged" in caplog.text

        # Downgrade writes the bytes back for the older app.
        (folder / digest[kept][:2] / digest[kept]).unlink()
        downgrade(revision="3d9b7e1f5a60")
        assert (folder / digest[kept][:2] / digest[kept]).read_bytes() == kept
        assert "photo_blobs" not in inspect(db.engine).get_table_names()
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT data FROM photo_blobs")).scalars().all() == [kept]


def test_postbox_item_summary_becomes_optional_and_back(make_app, empty_database_url):
    """Migration 0007: postbox_items.summary nullable (a card recorded by its photo alone); the item
    topics survive the table copy SQLite makes; downgrade fills the missing summaries with ''."""
    import uuid

    from sqlalchemy import Uuid, bindparam

    from fieldapp.demo import seed_demo
    from fieldapp.api.ingest import Author, push
    from fieldapp.models import Postbox, User
    from tests.factories import item, visit

    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    topics = text("SELECT topic FROM postbox_item_topics WHERE item_id = :id ORDER BY topic").bindparams(
        bindparam("id", type_=Uuid))
    with app.app_context():
        # Today's code writes the data, then the schema goes back to the revision before 0007.
        upgrade()
        seed_demo()
        officer = db.session.scalar(db.select(User).filter_by(username="officer1"))
        author = Author(officer.id, officer.team_id, None)
        box = db.session.scalar(db.select(Postbox.id).order_by(Postbox.id))
        the_visit = visit(box)
        written = item(the_visit["id"], topics=["drugs", "parking"])
        assert [r["status"] for r in push([the_visit, written], author)] == ["created", "created"]
        db.session.remove()
        downgrade(revision="6a2c9e4d8b13")

        upgrade()
        assert schema_differences(app) == []
        with db.engine.connect() as conn:
            assert conn.execute(topics, {"id": uuid.UUID(written["id"])}).scalars().all() == ["drugs", "parking"]
        photographed = item(the_visit["id"], summary=None, photos=[str(uuid.uuid4())])
        assert push([photographed], author)[0]["status"] == "created"
        db.session.remove()

        downgrade(revision="6a2c9e4d8b13")
        with db.engine.connect() as conn:
            for entry in (written, photographed):
                assert conn.execute(topics, {"id": uuid.UUID(entry["id"])}).scalars().all()
            summaries = dict(conn.execute(text("SELECT entry_id, summary FROM postbox_items")).all())
        assert sorted(summaries.values()) == ["", "Dealing by the bus shelter after 10pm."]
        assert not next(c for c in inspect(db.engine).get_columns("postbox_items") if c["name"] == "summary")["nullable"]
        upgrade()
        assert schema_differences(app) == []


def test_events_already_in_the_log_are_chained_in_the_order_written(make_app, empty_database_url):
    """Migration 0009: the events before it take places 1, 2, 3... in id order, and the chain verifies."""
    from fieldapp.audit import operations as audit

    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision="3f8d2b6c1a90")
        with db.engine.begin() as conn:
            for n in range(3):
                conn.execute(text("INSERT INTO audit_events (at, action, record_type, record_id, detail) "
                                  "VALUES (CURRENT_TIMESTAMP, 'consult', 'entry', :id, 'before the chain')"),
                             {"id": f"e{n}"})
        upgrade()
        assert schema_differences(app) == []
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT record_id, seq FROM audit_events ORDER BY id")).all() == [
                ("e0", 1), ("e1", 2), ("e2", 3)]
        audit.record(AuditAction.CONSULT, "entry", "after")
        db.session.commit()
        result = audit.verify()
        assert result.intact and result.events == 4, result.problems
        # Still append-only, the chain's columns included.
        with pytest.raises(DatabaseError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE audit_events SET seq = 9 WHERE seq = 1"))
        downgrade(revision="3f8d2b6c1a90")
        assert "seq" not in {column["name"] for column in inspect(db.engine).get_columns("audit_events")}
