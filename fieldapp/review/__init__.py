"""Supervisors' review: the queue of synced entries, one entry whole, decisions and conflict resolution."""
