"""Atom and RSS feeds of public posts, and the sitemap."""
