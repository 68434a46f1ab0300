"""Deliverable requirements: which apply to which kind, and the effective ones.

The effective requirements of a deliverable are the stricter of what the spec
asks, sensible defaults for its kind (one image for an image deliverable...)
and the limits the target platforms declare (:class:`~smmflow.plugin_api.ContentLimits`).
Each effective value names its source: ``"spec"``, ``"default"`` or a platform.
Contradictions (a platform that takes no video for a video deliverable, bounds
that cross) are reported as warnings, so a manager fixes the spec before
anyone works on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from smmflow.platforms.limits import ContentLimits

KINDS = ("text", "image", "video", "carousel")
CONTRACTOR_ROLES = ("copywriter", "designer", "photographer", "videographer", "targetologist")

TEXT_KEYS = ("min_length", "max_length", "required_words", "forbidden_words", "min_hashtags",
             "max_hashtags", "required_hashtags", "max_mentions")
IMAGE_KEYS = ("image_min_width", "image_min_height", "min_aspect_ratio", "max_aspect_ratio",
              "image_formats")
VIDEO_KEYS = ("min_duration_seconds", "max_duration_seconds", "video_formats")
FILE_KEYS = ("max_bytes", "min_items", "max_items")
# keys only platforms contribute
PLATFORM_ONLY_KEYS = ("max_length_bytes", "forbidden_chars", "image_max_width", "image_max_sides_sum",
                      "image_max_bytes", "video_max_bytes")

KEYS_BY_KIND: dict[str, tuple[str, ...]] = {
    "text": TEXT_KEYS,
    "image": TEXT_KEYS + IMAGE_KEYS + FILE_KEYS,
    "video": TEXT_KEYS + VIDEO_KEYS + FILE_KEYS,
    "carousel": TEXT_KEYS + IMAGE_KEYS + VIDEO_KEYS + FILE_KEYS,
}
DEFAULT_ITEMS = {"text": (0, 0), "image": (1, 1), "video": (1, 1), "carousel": (2, 10)}
# pairs of (lower bound, upper bound) that must not cross
BOUNDS = (("min_length", "max_length"), ("min_hashtags", "max_hashtags"),
          ("min_aspect_ratio", "max_aspect_ratio"), ("min_duration_seconds", "max_duration_seconds"),
          ("min_items", "max_items"))
UPPER = {"max_length", "max_length_bytes", "max_hashtags", "max_mentions", "max_aspect_ratio",
         "max_duration_seconds", "max_bytes", "max_items", "image_max_width", "image_max_sides_sum",
         "image_max_bytes", "video_max_bytes"}
LOWER = {"min_length", "min_hashtags", "image_min_width", "image_min_height", "min_aspect_ratio",
         "min_duration_seconds", "min_items"}
SETS = {"image_formats", "video_formats"}


class _Merge:
    """Effective values with their sources, tightened one contribution at a time."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, Any]] = {}

    def add(self, key: str, value: Any, source: str) -> None:
        if value is None:
            return
        current = self.values.get(key)
        if current is None:
            self.values[key] = {"value": value, "source": source}
            return
        old = current["value"]
        if (key in UPPER and value < old) or (key in LOWER and value > old):
            self.values[key] = {"value": value, "source": source}
        elif key in SETS:
            narrowed = sorted(set(old) & set(value))
            if narrowed != sorted(old):
                self.values[key] = {"value": narrowed, "source": f"{current['source']}+{source}"}
        elif key == "forbidden_chars":
            merged = "".join(sorted(set(old) | set(value)))
            if merged != old:
                self.values[key] = {"value": merged, "source": f"{current['source']}+{source}"}


def _platform_contribution(merge: _Merge, kind: str, limits: ContentLimits, name: str,
                           post_has_media: bool, warnings: list[str]) -> None:
    text_max = limits.max_caption_length if post_has_media and limits.max_caption_length \
        else limits.max_text_length
    if limits.text_unit == "bytes":
        merge.add("max_length_bytes", text_max, name)
    else:
        merge.add("max_length", text_max, name)
    if limits.min_text_length:
        merge.add("min_length", limits.min_text_length, name)
    merge.add("max_hashtags", limits.max_hashtags, name)
    merge.add("max_mentions", limits.max_mentions, name)
    if limits.forbidden_chars:
        merge.add("forbidden_chars", limits.forbidden_chars, name)
    if kind == "text":
        return
    merge.add("max_items", limits.max_media, name)
    if kind in ("image", "carousel"):
        if "image" not in limits.media_kinds:
            warnings.append(f"{name} does not accept images.")
        merge.add("image_formats", sorted(limits.image_formats), name)
        merge.add("image_min_width", limits.min_image_width, name)
        merge.add("image_max_width", limits.max_image_width, name)
        merge.add("image_max_sides_sum", limits.max_image_sides_sum, name)
        merge.add("min_aspect_ratio", limits.min_aspect_ratio, name)
        merge.add("max_aspect_ratio", limits.max_aspect_ratio, name)
        merge.add("image_max_bytes", limits.max_image_bytes, name)
    if kind in ("video", "carousel"):
        if "video" not in limits.media_kinds:
            warnings.append(f"{name} does not accept videos.")
        merge.add("video_formats", sorted(limits.video_formats), name)
        merge.add("min_duration_seconds", limits.min_video_seconds, name)
        merge.add("max_duration_seconds", limits.max_video_seconds, name)
        merge.add("video_max_bytes", limits.max_video_bytes, name)


def effective_deliverable(deliverable: Mapping[str, Any], platforms: Iterable[str],
                          registry: Mapping[str, Any], *, post_has_media: bool) -> dict[str, Any]:
    """``deliverable`` with ``effective`` requirements and ``warnings`` added."""
    kind = deliverable["kind"]
    merge = _Merge()
    warnings: list[str] = []
    for key, value in (deliverable.get("requirements") or {}).items():
        merge.add(key, value, "spec")
    if kind != "text":
        low, high = DEFAULT_ITEMS[kind]
        if "min_items" not in merge.values:
            merge.add("min_items", low, "default")
        if "max_items" not in merge.values:
            merge.add("max_items", high, "default")
    else:
        merge.add("max_items", 0, "default")
    names = list(deliverable.get("platforms") or platforms)
    for name in names:
        platform = registry.get(name)
        if platform is None:
            warnings.append(f"Platform {name!r} is not installed; its limits are not merged.")
            continue
        _platform_contribution(merge, kind, platform.limits, name, post_has_media, warnings)
    values = merge.values
    for low, high in BOUNDS:
        if low in values and high in values and values[low]["value"] > values[high]["value"]:
            warnings.append(
                f"{low} ({values[low]['value']}, from {values[low]['source']}) is above "
                f"{high} ({values[high]['value']}, from {values[high]['source']}): "
                "no submission can pass; relax one of them.")
    for key in SETS:
        if key in values and not values[key]["value"]:
            warnings.append(f"No format satisfies both the spec and the platforms for {key}.")
    return {**deliverable, "platforms": names, "effective": dict(sorted(values.items())),
            "warnings": warnings}


def effective_spec(deliverables: list[dict[str, Any]], platforms: Iterable[str],
                   registry: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every deliverable of a spec version with its effective requirements."""
    platforms = list(platforms)
    post_has_media = any(d["kind"] != "text" for d in deliverables)
    return [effective_deliverable(d, platforms, registry, post_has_media=post_has_media)
            for d in deliverables]
