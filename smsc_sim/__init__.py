"""An SMSC simulator for the tests, the benchmarks and `make run` with TUTTI_SMSC=1: test tooling, not Tutti's domain.

simulator (the SMPP server: binds, submits, a rate cap, faults on demand), handset (what a phone reassembles),
deliveries (the receipts and replies it pushes back). It speaks through tutti.smpp's wire and PDU helpers.
"""
