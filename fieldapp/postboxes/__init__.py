"""'Have your say' postboxes: adding, moving and retiring them (``operations``) and their admin pages (``routes``)."""
