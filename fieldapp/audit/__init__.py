"""The s62 audit log: writing it (``operations``), searching it (``queries``) and its pages (``routes``, admins only)."""
