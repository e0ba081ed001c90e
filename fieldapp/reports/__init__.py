"""Reports: the dashboard and the community forum report."""
