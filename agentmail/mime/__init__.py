"""Pure mail handling: parse, render, sanitise, compose, query. No network, no UI."""
