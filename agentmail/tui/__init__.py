"""The front end for humans: urwid screens over a worker thread that owns the service."""
