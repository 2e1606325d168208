"""Stable pseudonyms for forum members.

Member names and the organisation's own member numbers never leave ingest. Every tidy
table and every output names a member by a pseudonym derived from the member number with
a keyed hash (HMAC-SHA256). The key is a secret that lives outside git and outside the
build folder, so the pseudonyms cannot be reversed by hashing the roster, yet they stay
the same across waves and reruns on the machine that holds the key: that is what makes
waves comparable.

The key is read from the environment variable ``FORUM_NETWORK_SECRET`` if set, otherwise
from the file named by ``FORUM_NETWORK_SECRET_FILE`` (default
``~/.config/forum-network/pseudonym.key``), which is created with a random key on first
use. Back it up: with another key the same roster gets other pseudonyms.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from helpers.ingest.readers import normalise_text

__all__ = ["SECRET_ENV", "SECRET_FILE_ENV", "DEFAULT_SECRET_FILE", "secret_path", "load_secret", "pseudonym"]

SECRET_ENV = "FORUM_NETWORK_SECRET"
SECRET_FILE_ENV = "FORUM_NETWORK_SECRET_FILE"
DEFAULT_SECRET_FILE = Path("~/.config/forum-network/pseudonym.key")


def secret_path() -> Path:
    """Where the pseudonym key is kept (it is only read from here if the env var is unset)."""
    return Path(os.environ.get(SECRET_FILE_ENV) or DEFAULT_SECRET_FILE).expanduser()


def load_secret() -> bytes:
    """Return the pseudonym key, creating a random one on first use.

    Returns
    -------
    bytes
        The key.
    """
    value = os.environ.get(SECRET_ENV)
    if value:
        return value.encode("utf-8")
    path = secret_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    return path.read_text(encoding="ascii").strip().encode("ascii")


def pseudonym(member_id: str, secret: bytes, *, length: int = 8) -> str:
    """The pseudonym of one member number.

    Parameters
    ----------
    member_id : str
        The organisation's member number, as in the roster (white space and Unicode
        form do not matter).
    secret : bytes
        The key from :func:`load_secret`.
    length : int
        Hex digits kept; 8 gives about 4e9 values, ample for a forum.

    Returns
    -------
    str
        ``"P"`` followed by ``length`` hex digits.

    Examples
    --------
    >>> pseudonym("1047", b"k") == pseudonym(" 1047 ", b"k")
    True
    >>> pseudonym("1047", b"k") != pseudonym("1047", b"other key")
    True
    """
    digest = hmac.new(secret, normalise_text(member_id).encode("utf-8"), hashlib.sha256).hexdigest()
    return "P" + digest[:length]
