"""Merging spec requirements with defaults and platform limits (no database)."""

from __future__ import annotations

from smmflow.briefs.requirements import effective_deliverable, effective_spec
from smmflow.plugin_api import ContentLimits, Platform


class Tube(Platform):
    name = "tube"
    limits = ContentLimits(max_text_length=5000, text_unit="bytes", media_kinds=frozenset({"video"}),
                           video_formats=frozenset({"mp4", "webm"}), max_video_bytes=10_000,
                           min_video_seconds=3, forbidden_chars="<>")


class Pics(Platform):
    name = "pics"
    limits = ContentLimits(max_hashtags=30, max_media=4, image_formats=frozenset({"jpeg", "png"}),
                           max_image_bytes=8_000_000, max_aspect_ratio=1.91, min_aspect_ratio=0.8,
                           media_kinds=frozenset({"image"}))


REGISTRY = {"tube": Tube(), "pics": Pics()}


def test_byte_counted_text_limits_and_forbidden_characters_come_from_the_platform():
    out = effective_deliverable({"key": "d", "kind": "video", "role": "videographer",
                                 "requirements": {"video_formats": ["mp4", "mov"],
                                                  "max_duration_seconds": 30}},
                                ["tube"], REGISTRY, post_has_media=True)
    eff = out["effective"]
    assert eff["max_length_bytes"] == {"value": 5000, "source": "tube"}
    assert "max_length" not in eff
    assert eff["forbidden_chars"]["value"] == "<>"
    assert eff["video_formats"] == {"value": ["mp4"], "source": "spec+tube"}
    assert eff["min_duration_seconds"] == {"value": 3, "source": "tube"}
    assert eff["max_duration_seconds"] == {"value": 30, "source": "spec"}
    assert eff["video_max_bytes"] == {"value": 10_000, "source": "tube"}
    assert out["warnings"] == []


def test_carousel_defaults_and_platform_media_caps_and_warnings():
    carousel = {"key": "c", "kind": "carousel", "role": "designer", "requirements": {}}
    out = effective_spec([carousel], ["pics", "tube"], REGISTRY)[0]
    eff = out["effective"]
    assert eff["min_items"] == {"value": 2, "source": "default"}
    assert eff["max_items"] == {"value": 4, "source": "pics"}
    assert eff["image_max_bytes"]["value"] == 8_000_000
    assert "pics does not accept videos." in out["warnings"]
    assert "tube does not accept images." in out["warnings"]


def test_unknown_platform_is_a_warning_and_deliverable_platforms_narrow_the_merge():
    text = {"key": "t", "kind": "text", "role": "copywriter", "requirements": {"max_hashtags": 40},
            "platforms": ["pics"]}
    out = effective_deliverable(text, ["pics", "tube"], REGISTRY, post_has_media=False)
    assert out["platforms"] == ["pics"]
    assert out["effective"]["max_hashtags"] == {"value": 30, "source": "pics"}
    assert "max_length_bytes" not in out["effective"]  # tube is not a target of this deliverable
    gone = effective_deliverable({"key": "t", "kind": "text", "role": "copywriter"}, ["gone"],
                                 REGISTRY, post_has_media=False)
    assert any("gone" in w for w in gone["warnings"])
