# Moderation tests use the mutual-aid fixtures: residents, staff, posts.
from tests.mutualaid.conftest import AT, hoods, make_post, people  # noqa: F401
