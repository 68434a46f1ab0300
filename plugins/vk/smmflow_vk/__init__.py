"""smmflow-vk: VK community wall posts, metrics and comment moderation for smmflow."""

__version__ = "0.1.0"
