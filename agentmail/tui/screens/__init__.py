"""One module per screen: index, pager, composer, sidebar, help (and the shared base and index rows)."""
