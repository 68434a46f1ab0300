"""validate(): YouTube's limits in words a manager understands (bytes, not characters, for descriptions)."""

from __future__ import annotations

import pytest
from fake_youtube import FakeYouTube
from smmflow_youtube import YouTubePlatform
from smmflow_youtube.options import USER_TAGS_MAX_CHARS, tags_length

from smmflow.plugin_api import Content, MediaItem


def _codes(problems: list) -> dict[str, str]:
    return {p.code: p.field for p in problems}


def test_description_limit_is_counted_in_utf8_bytes(platform: YouTubePlatform, fake: FakeYouTube) -> None:
    assert platform.limits.text_unit == "bytes" and platform.limits.max_text_length == 5000
    assert platform.validate(fake.sample_content(text="я" * 2500), {}) == []        # 5000 bytes
    assert platform.validate(fake.sample_content(text="a" * 5000), {}) == []

    problems = platform.validate(fake.sample_content(text="я" * 2501), {})          # 2501 chars, 5002 bytes
    assert [(p.field, p.code) for p in problems] == [("text", "text_too_long")]
    assert "5002 bytes" in problems[0].message and "Cyrillic" in problems[0].message
    assert "at least 2 bytes" in problems[0].message


def test_the_link_counts_in_the_description(platform: YouTubePlatform, fake: FakeYouTube) -> None:
    content = fake.sample_content(text="a" * 4990, link="https://example.com/very/long/link")
    assert _codes(platform.validate(content, {})) == {"text_too_long": "text"}
    assert YouTubePlatform.description(fake.sample_content(text="See", link="https://x.io")) == \
        "See\n\nhttps://x.io"


@pytest.mark.parametrize(("overrides", "code", "field"), [
    ({"title": "t" * 101}, "title_too_long", "title"),
    ({"title": ""}, "title_required", "title"),
    ({"title": "   "}, "title_required", "title"),
    ({"title": "A <b>bold</b> title"}, "forbidden_character", "title"),
    ({"text": "1 > 0"}, "forbidden_character", "text"),
    ({"media": ()}, "media_required", "media"),
])
def test_title_text_and_media_rules(platform: YouTubePlatform, fake: FakeYouTube, overrides: dict,
                                    code: str, field: str) -> None:
    problems = platform.validate(fake.sample_content(**overrides), {})
    assert _codes(problems) == {code: field}
    assert all(" " in p.message and p.platform == "youtube" for p in problems)


def test_exactly_one_video(platform: YouTubePlatform, fake: FakeYouTube) -> None:
    video = fake.sample_content().media[0]
    image = MediaItem(kind="image", mime_type="image/jpeg", size_bytes=10, format="jpeg")
    assert _codes(platform.validate(Content(title="t", media=(video, video)), {})) == \
        {"too_many_media": "media"}
    assert _codes(platform.validate(Content(title="t", media=(image,)), {})) == {"media_kind": "media[0]"}


def test_publish_at_needs_private(platform: YouTubePlatform, fake: FakeYouTube) -> None:
    content = fake.sample_content()
    when = "2031-01-01T10:00:00+00:00"
    problems = platform.validate(content, {"publish_at": when})
    assert _codes(problems) == {"publish_at_requires_private": "options.publish_at"}
    assert "private" in problems[0].message
    assert platform.validate(content, {"publish_at": when, "privacy_status": "private"}) == []
    naive = platform.validate(content, {"publish_at": "2031-01-01T10:00:00", "privacy_status": "private"})
    assert _codes(naive) == {"invalid_option": "options.publish_at"}


def test_tags_budget_counts_commas_and_quotes(platform: YouTubePlatform, fake: FakeYouTube) -> None:
    assert tags_length(["a b", "cd"]) == 3 + 2 + 1 + 2
    assert USER_TAGS_MAX_CHARS == 500 - 24
    fits = ["x" * 9] * 47 + ["y" * 6]            # 47*10 + 6 = 476
    assert tags_length(fits) == USER_TAGS_MAX_CHARS
    assert platform.validate(fake.sample_content(), {"tags": fits}) == []
    problems = platform.validate(fake.sample_content(), {"tags": [*fits[:-1], "y y y"]})  # 2 quotes more
    assert _codes(problems) == {"tags_too_long": "options.tags"}
    assert "476" in problems[0].message


def test_unknown_or_bad_options_are_named(platform: YouTubePlatform, fake: FakeYouTube) -> None:
    problems = platform.validate(fake.sample_content(), {"privacy_status": "secret", "privacy": "x",
                                                         "category_id": "music"})
    assert {p.field for p in problems} == {"options.privacy_status", "options.privacy",
                                           "options.category_id"}
    assert {p.code for p in problems} == {"invalid_option"}
