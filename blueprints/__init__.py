"""Tutti's web layer: one package per blueprint."""
