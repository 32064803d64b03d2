"""Routing: which service answers which public path, and the streaming reverse proxy."""
