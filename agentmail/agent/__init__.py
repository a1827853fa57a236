"""The front end for machines: one command table, one versioned JSON contract. Never imports urwid."""
