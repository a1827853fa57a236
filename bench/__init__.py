"""Benchmarks: agentmail against the raw-IMAP floor and neomutt on a real Dovecot (run by hand: make bench)."""
