"""smmflow-instagram: the Instagram (Graph API) network plugin of smmflow."""

from __future__ import annotations

from smmflow_instagram.platform import InstagramPlatform

__version__ = "0.1.0"
__all__ = ["InstagramPlatform", "__version__"]
