"""The layout the README describes: one folder a feature, its writes importable without its pages."""

import subprocess
import sys

import pytest

# A feature's writes and reads, and the route modules that must not come with them.
FEATURES = {
    "fieldapp.accounts.operations": ("fieldapp.accounts.routes", "fieldapp.accounts.admin_routes"),
    "fieldapp.accounts.tokens": ("fieldapp.accounts.routes", "fieldapp.api.routes"),
    "fieldapp.audit.operations": ("fieldapp.audit.routes",),
    "fieldapp.audit.queries": ("fieldapp.audit.routes",),
    "fieldapp.review.operations": ("fieldapp.review.routes",),
    "fieldapp.review.queries": ("fieldapp.review.routes",),
    "fieldapp.postboxes.operations": ("fieldapp.postboxes.routes", "fieldapp.admin.routes"),
    "fieldapp.api.ingest": ("fieldapp.api.routes", "fieldapp.api.sync_routes", "fieldapp.review.routes"),
    "fieldapp.api.changes": ("fieldapp.api.routes",),
    "fieldapp.exports.csv_files": ("fieldapp.exports.routes",),
    "fieldapp.reports.figures": ("fieldapp.reports.routes",),
    "fieldapp.reports.search_figures": ("fieldapp.reports.routes",),
}


@pytest.mark.parametrize("module", sorted(FEATURES))
def test_importing_a_features_operations_does_not_import_its_pages(module):
    # A fresh interpreter: this process has imported every module already.
    probe = f"import sys, {module}; print(' '.join(m for m in {FEATURES[module]!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "", f"importing {module} imported {done.stdout.strip()}"


def test_every_blueprint_the_factory_registers_is_a_routes_module(app):
    from fieldapp import BLUEPRINTS

    assert all(name.rsplit(".", 1)[1] in ("routes", "admin_routes") for name in BLUEPRINTS)
    assert set(app.blueprints) == {"main", "auth", "api", "officer", "review", "admin", "users", "postboxes",
                                   "audit", "exports", "reports", "searches", "public"}
