"""Publishing: the API over post targets' publish attempts, and the engine's helpers.

The publish job itself lives in :mod:`smmflow.posts.publishing`.
"""
