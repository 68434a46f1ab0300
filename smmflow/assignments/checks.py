"""The automatic check of a submission against its deliverable's effective requirements.

Every applicable requirement yields one result (one per file for file
requirements): ``{"requirement", "passed", "reason", "source", "item",
"expected", "actual"}``. Reasons say what was found and what is needed, so the
contractor can fix the work before anybody reviews it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from smmflow.platforms.content import HASHTAG, MENTION

Result = dict[str, Any]


def _contains(text: str, phrase: str) -> bool:
    pattern = r"(?<!\w)" + re.escape(phrase.strip()) + r"(?!\w)"
    return re.search(pattern, text, re.IGNORECASE | re.UNICODE) is not None


def _tag(value: str) -> str:
    return value.lstrip("#").casefold()


class _Results:
    def __init__(self, effective: Mapping[str, Mapping[str, Any]]) -> None:
        self.effective = effective
        self.items: list[Result] = []

    def value(self, key: str) -> Any:
        entry = self.effective.get(key)
        return None if entry is None else entry["value"]

    def add(self, key: str, passed: bool, reason: str, actual: Any, item: int | None = None) -> None:
        entry = self.effective.get(key, {"value": None, "source": "spec"})
        self.items.append({"requirement": key, "passed": bool(passed), "reason": reason,
                           "source": entry["source"], "item": item, "expected": entry["value"],
                           "actual": actual})


def _check_text(r: _Results, text: str) -> None:
    length = len(text)
    if (low := r.value("min_length")) is not None:
        r.add("min_length", length >= low,
              f"The text is {length} characters; at least {low} are needed." if length < low
              else f"The text is {length} characters (at least {low}).", length)
    if (high := r.value("max_length")) is not None:
        r.add("max_length", length <= high,
              f"The text is {length} characters; the limit is {high}. Cut {length - high}."
              if length > high else f"The text is {length} characters (at most {high}).", length)
    if (high := r.value("max_length_bytes")) is not None:
        size = len(text.encode("utf-8"))
        r.add("max_length_bytes", size <= high,
              f"The text is {size} bytes in UTF-8; the limit is {high}." if size > high
              else f"The text is {size} bytes (at most {high}).", size)
    if words := r.value("required_words"):
        missing = [w for w in words if not _contains(text, w)]
        r.add("required_words", not missing,
              f"Missing: {', '.join(missing)}." if missing else "Every required word is there.",
              missing)
    if words := r.value("forbidden_words"):
        found = [w for w in words if _contains(text, w)]
        r.add("forbidden_words", not found,
              f"Remove: {', '.join(found)}." if found else "No forbidden word.", found)
    if chars := r.value("forbidden_chars"):
        found_chars = sorted({ch for ch in chars if ch in text})
        r.add("forbidden_chars", not found_chars,
              f"Remove the character(s) {' '.join(repr(c) for c in found_chars)}." if found_chars
              else "No forbidden character.", found_chars)
    tags = HASHTAG.findall(text)
    count = len(tags)
    if (low := r.value("min_hashtags")) is not None:
        r.add("min_hashtags", count >= low,
              f"{count} hashtag(s); at least {low} needed." if count < low
              else f"{count} hashtag(s) (at least {low}).", count)
    if (high := r.value("max_hashtags")) is not None:
        r.add("max_hashtags", count <= high,
              f"{count} hashtags; at most {high} are allowed." if count > high
              else f"{count} hashtag(s) (at most {high}).", count)
    if required := r.value("required_hashtags"):
        have = {_tag(t) for t in tags}
        missing = [f"#{_tag(t)}" for t in required if _tag(t) not in have]
        r.add("required_hashtags", not missing,
              f"Missing hashtag(s): {', '.join(missing)}." if missing
              else "Every required hashtag is there.", missing)
    if (high := r.value("max_mentions")) is not None:
        mentions = len(MENTION.findall(text))
        r.add("max_mentions", mentions <= high,
              f"{mentions} @mentions; at most {high} are allowed." if mentions > high
              else f"{mentions} @mention(s) (at most {high}).", mentions)


ACCEPTED_KINDS = {"text": set(), "image": {"image"}, "video": {"video"},
                  "carousel": {"image", "video"}}


def _upper(r: _Results, key: str, value: float | None, i: int, what: str, unit: str) -> None:
    high = r.value(key)
    if high is None or value is None:
        return
    r.add(key, value <= high + 1e-9,
          f"{what} is {value:g}{unit}; at most {high:g}{unit}." if value > high + 1e-9
          else f"{what} is {value:g}{unit} (at most {high:g}{unit}).", value, i)


def _lower(r: _Results, key: str, value: float | None, i: int, what: str, unit: str) -> None:
    low = r.value(key)
    if low is None or value is None:
        return
    r.add(key, value >= low - 1e-9,
          f"{what} is {value:g}{unit}; at least {low:g}{unit} needed." if value < low - 1e-9
          else f"{what} is {value:g}{unit} (at least {low:g}{unit}).", value, i)


def _check_item(r: _Results, kind: str, item: Mapping[str, Any], i: int) -> None:
    accepted = ACCEPTED_KINDS[kind]
    if item["kind"] not in accepted:
        r.add("kind", False, f"File {i + 1} is a {item['kind']}; a {kind} deliverable takes "
              f"{' or '.join(sorted(accepted)) or 'no files'}.", item["kind"], i)
        return
    fmt = item.get("format")
    size = item["size_bytes"]
    _upper(r, "max_bytes", size, i, f"File {i + 1}", " bytes")
    if item["kind"] == "image":
        if (formats := r.value("image_formats")) is not None:
            r.add("image_formats", fmt in formats,
                  f"File {i + 1} is {str(fmt).upper()}; use "
                  f"{', '.join(f.upper() for f in formats) or 'no format allowed'}."
                  if fmt not in formats else f"File {i + 1} is {str(fmt).upper()}.", fmt, i)
        width, height = item.get("width"), item.get("height")
        _lower(r, "image_min_width", width, i, f"Image {i + 1} width", "px")
        _lower(r, "image_min_height", height, i, f"Image {i + 1} height", "px")
        _upper(r, "image_max_width", width, i, f"Image {i + 1} width", "px")
        if width and height:
            _upper(r, "image_max_sides_sum", width + height, i, f"Image {i + 1} width + height", "px")
            ratio = round(width / height, 4)
            _lower(r, "min_aspect_ratio", ratio, i, f"Image {i + 1} aspect ratio", "")
            _upper(r, "max_aspect_ratio", ratio, i, f"Image {i + 1} aspect ratio", "")
        _upper(r, "image_max_bytes", size, i, f"Image {i + 1}", " bytes")
    else:
        if (formats := r.value("video_formats")) is not None:
            r.add("video_formats", fmt in formats,
                  f"File {i + 1} is {str(fmt).upper()}; use "
                  f"{', '.join(f.upper() for f in formats) or 'no format allowed'}."
                  if fmt not in formats else f"File {i + 1} is {str(fmt).upper()}.", fmt, i)
        duration = item.get("duration_seconds")
        _lower(r, "min_duration_seconds", duration, i, f"Video {i + 1} duration", " s")
        _upper(r, "max_duration_seconds", duration, i, f"Video {i + 1} duration", " s")
        _upper(r, "video_max_bytes", size, i, f"Video {i + 1}", " bytes")


def check_submission(deliverable: Mapping[str, Any], text: str,
                     media: Sequence[Mapping[str, Any]]) -> list[Result]:
    """Results of ``text`` and ``media`` against an effective deliverable."""
    r = _Results(deliverable.get("effective", {}))
    kind = deliverable["kind"]
    _check_text(r, text)
    count = len(media)
    low, high = r.value("min_items"), r.value("max_items")
    if low is not None:
        r.add("min_items", count >= low, f"{count} file(s); at least {low} needed." if count < low
              else f"{count} file(s) (at least {low}).", count)
    if high is not None:
        r.add("max_items", count <= high,
              (f"{count} file(s); at most {high} allowed." if high else
               f"{count} file(s); a {kind} deliverable takes no files.") if count > high
              else f"{count} file(s) (at most {high}).", count)
    for i, item in enumerate(media):
        _check_item(r, kind, item, i)
    return r.items
