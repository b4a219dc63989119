"""Sending SMS: counting (encoding), who receives (recipients), what it costs (cost), campaigns, the credit ledger
(credit), the job (sending, claims) and its queue (queue)."""
