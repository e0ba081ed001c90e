"""The admin area: its blueprint, index and the read-only reference lists; users and postboxes have their own features."""
