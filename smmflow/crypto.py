"""Encryption of secrets at rest (Fernet, with key rotation through MultiFernet)."""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from smmflow.errors import SmmflowError


class Vault:
    """Encrypts JSON-serialisable secrets; the first key encrypts, all keys decrypt."""

    def __init__(self, keys: list[str]) -> None:
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def encrypt(self, value: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(json.dumps(value, sort_keys=True).encode())

    def decrypt(self, token: bytes) -> dict[str, Any]:
        try:
            return json.loads(self._fernet.decrypt(token))
        except InvalidToken as exc:
            raise SmmflowError(
                "credentials cannot be decrypted: SMMFLOW_ENCRYPTION_KEY does not hold the key "
                "they were encrypted with"
            ) from exc

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt ``token`` with the newest key."""
        return self._fernet.rotate(token)

    def __repr__(self) -> str:
        return "Vault(<keys hidden>)"


def generate_key() -> str:
    """A new Fernet key for ``SMMFLOW_ENCRYPTION_KEY``."""
    return Fernet.generate_key().decode()
