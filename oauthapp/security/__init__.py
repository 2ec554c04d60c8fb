"""Password hashing, secret hashing and account lockout."""
