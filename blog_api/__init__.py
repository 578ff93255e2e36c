"""blog_api: the backend of a blog platform."""

__version__ = "0.1.0"
