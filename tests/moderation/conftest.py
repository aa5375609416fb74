# Moderation tests use the mutual-aid fixtures: residents, staff, posts.
from tests.mutualaid.conftest import AT, _fast_passwords, hoods, make_post, people  # noqa: F401
