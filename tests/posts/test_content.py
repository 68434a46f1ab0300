"""content_hash and content_for: the contract with the publish pipeline."""

from __future__ import annotations

from smmflow.platforms.content import Content, MediaItem
from smmflow.posts.content import content_for, content_hash, hash_content
from smmflow.posts.models import Post, PostTarget
from tests.posts.fixtures import image


def test_hash_covers_text_title_media_and_options():
    post = Post(text="Hello", title="T", media=[image(1)], options={"silent": True})
    base = content_hash(post)
    assert len(base) == 64 and base == content_hash(post)
    variants = [
        Post(text="Hello!", title="T", media=[image(1)], options={"silent": True}),
        Post(text="Hello", title="T2", media=[image(1)], options={"silent": True}),
        Post(text="Hello", title="T", media=[image(2)], options={"silent": True}),
        Post(text="Hello", title="T", media=[image(1), image(2)], options={"silent": True}),
        Post(text="Hello", title="T", media=[image(1)], options={"silent": False}),
    ]
    assert len({base, *(content_hash(p) for p in variants)}) == 6


def test_hash_ignores_media_metadata_and_option_order():
    a = Post(text="x", title="", media=[image(1, filename="a.jpg")], options={"a": 1, "b": 2})
    b = Post(text="x", title="", media=[image(1, filename="b.jpg")], options={"b": 2, "a": 1})
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) == hash_content("x", "", [{"sha256": f"{1:064x}"}], {"b": 2, "a": 1})


def test_content_for_merges_target_options_over_post_options(app, db, factory):
    client = factory.client()
    account = factory.account(client, "photonet")
    post = factory.draft_post(client, text="Caption #one", title="Title", media=[image(3)],
                              options={"silent": True, "link": "https://example.test/x"})
    target = factory.draft_target(post, account, options={"silent": False, "first_comment": "hi"})
    content, options = content_for(db, db.get(PostTarget, target.id))
    assert content == Content(text="Caption #one", title="Title", link="https://example.test/x",
                              media=(MediaItem(kind="image", mime_type="image/jpeg",
                                               size_bytes=120_000, sha256=f"{3:064x}",
                                               path=f"/srv/media/{3:064x}", filename="photo3.jpg",
                                               width=1080, height=1080, format="jpeg"),))
    assert options == {"silent": False, "first_comment": "hi"}


def test_content_for_ignores_unknown_media_keys(app, db, factory):
    client = factory.client()
    post = factory.draft_post(client, media=[image(4, checksum="x", thumbnail="t")])
    target = factory.draft_target(post, factory.account(client, "chatnet"))
    content, options = content_for(db, target)
    assert content.media[0].sha256 == f"{4:064x}" and options == {}
