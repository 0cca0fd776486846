"""Kerbside: the Flask portal. `create_app` is in portal.app."""
