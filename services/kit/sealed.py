"""Sealed personal data on the bus (crypto-shredding): a contact's personal fields travel encrypted
with a key of that contact's own, which the partners service keeps and erasure destroys.

Once the key is gone, every copy of the events on every topic, replica and backup is unreadable: the
person's data does not outlive the erasure, without rewriting a single message. A consumer that needs
the fields (an integration keeping a contact list) asks the partners service for the key
(`GET /api/v1/contacts/{id}/key`, the roles that may read the contact), opens the fields with
`open_sealed`, keeps only what it needs, and erases its copy on `liaison.contact.erased`.

AES-256-GCM; the contact id and the event's version are bound in as associated data, so a sealed
block cannot be moved to another contact or version unnoticed.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ALGORITHM = "A256GCM"
SEALED_NAME = "(sealed)"  # what `name` says on the bus: the contract needs a name, the person's stays sealed


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_key(key: bytes) -> str:
    return _b64(key)


def decode_key(text: str) -> bytes:
    return _unb64(text)


def _bound(contact_id: str, version: int) -> bytes:
    return f"liaison.contact:{contact_id}:{version}".encode()


def seal(fields: dict[str, Any], *, key: bytes, contact_id: str, version: int) -> dict[str, str]:
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, json.dumps(fields).encode(), _bound(contact_id, version))
    return {"alg": ALGORITHM, "kid": contact_id, "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}


def open_sealed(sealed: dict[str, str], *, key: bytes, contact_id: str, version: int) -> dict[str, Any]:
    """The personal fields; raises cryptography's InvalidTag for a wrong key, contact or version."""
    if sealed.get("alg") != ALGORITHM:
        raise ValueError(f"unknown sealing algorithm {sealed.get('alg')!r}")
    plain = AESGCM(key).decrypt(_unb64(sealed["nonce"]), _unb64(sealed["ciphertext"]), _bound(contact_id, version))
    fields: dict[str, Any] = json.loads(plain)
    return fields
