"""The management API (/api/admin/…): the back-office's application services over JSON."""
