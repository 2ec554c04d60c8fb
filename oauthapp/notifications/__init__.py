"""Notification email: editable localized templates, notification rules, and the mail outbox."""
