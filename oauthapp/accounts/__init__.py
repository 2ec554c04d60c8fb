"""Accounts: login, logout, the back-office home, users and customer users."""
