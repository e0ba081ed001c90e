"""CSV exports: entries per type, the national stop-and-search format, postbox items."""
