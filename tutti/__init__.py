"""Tutti's domain: models, SMS counting, recipients, credit and sending. No Flask here."""
