"""Sending SMS: counting (encoding), who receives (recipients) and what it costs (cost)."""
