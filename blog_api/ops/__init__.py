"""Operator tools behind the `blog-api` command: demo data, export and import."""
