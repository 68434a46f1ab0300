"""Client sign-off pages: decide on one subject through a signed, expiring link."""
