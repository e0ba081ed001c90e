"""Teams, users and their devices: creating and changing them, signing in on the web and on phones, device tokens."""
