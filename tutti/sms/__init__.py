"""Sending SMS: counting (encoding), who receives (recipients), what it costs (cost), campaigns and the credit
ledger (credit)."""
