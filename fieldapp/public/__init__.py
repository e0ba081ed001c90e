"""Pages for the public, with no sign-in."""
