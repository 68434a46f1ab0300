from tests.posts.fixtures import app, events, scene  # noqa: F401
