"""Tutti in a real browser: Playwright drives Debian's Chromium against a live server and a real worker."""
