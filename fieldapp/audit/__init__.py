"""The s62 audit log: writing it (``operations``), searching it (``queries``), the records it names (``records``)
and its pages (``routes``, admins only)."""
