"""Tests of the audit log pages: search and export."""
