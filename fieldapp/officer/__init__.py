"""The officer app: the installable PWA shell at /app, its manifest and service worker."""
