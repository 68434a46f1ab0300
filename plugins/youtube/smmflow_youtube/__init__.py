"""smmflow-youtube: the YouTube Data API v3 network plugin of smmflow."""

from __future__ import annotations

from smmflow_youtube.options import marker_tag
from smmflow_youtube.platform import YouTubePlatform

__version__ = "0.1.0"

__all__ = ["YouTubePlatform", "__version__", "marker_tag"]
