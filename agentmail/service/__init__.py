"""The one API both front ends call; identity, limits and audit are enforced here."""
