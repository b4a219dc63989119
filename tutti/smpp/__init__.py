"""SMPP 3.4 for Tutti, the client side: bind config, session, wire, PDU text, receipts, receiver, rate limit.

The transport that sends with it is tutti.transports.smpp.
"""
