"""The blog fixtures (`create_post`, ...) for feed tests."""

from tests.blogs.conftest import callers, create_post

__all__ = ["callers", "create_post"]
