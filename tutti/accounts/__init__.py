"""Logins and what they may do: accounts, rights, passwords, reset links, the audit log."""
