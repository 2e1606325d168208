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
use: atomically, and never where builds made under a key exist (then the key was lost,
or this is another machine; ``--new-key`` makes a new one on purpose). An empty, short
or garbled key is refused. Back it up: with another key the same roster gets other
pseudonyms. Builds record the key's :func:`fingerprint`, never the key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

from helpers.errors import SurveyError

__all__ = ["SECRET_ENV", "SECRET_FILE_ENV", "DEFAULT_SECRET_FILE", "PseudonymKeyError", "check_key", "fingerprint",
           "load_secret", "pseudonym", "secret_path"]

SECRET_ENV = "FORUM_NETWORK_SECRET"
SECRET_FILE_ENV = "FORUM_NETWORK_SECRET_FILE"
DEFAULT_SECRET_FILE = Path("~/.config/forum-network/pseudonym.key")
MIN_FILE_KEY_CHARS = 32
"""Shortest key accepted from the key file (the program writes 64 hex digits)."""
MIN_ENV_KEY_CHARS = 8
"""Shortest key accepted from ``FORUM_NETWORK_SECRET``."""
FINGERPRINT_MESSAGE = b"forum-network pseudonym key fingerprint v1"


class PseudonymKeyError(SurveyError):
    """The pseudonym key is missing where it must not be created, or is empty, short or garbled."""


def secret_path() -> Path:
    """Where the pseudonym key is kept (it is only read from here if the env var is unset)."""
    return Path(os.environ.get(SECRET_FILE_ENV) or DEFAULT_SECRET_FILE).expanduser()


def check_key(raw: bytes, where: str, least: int = MIN_FILE_KEY_CHARS, *, any_text: bool = False) -> bytes:
    """The key in ``raw`` (white space around it removed), or a clear refusal.

    Parameters
    ----------
    raw : bytes
        The key file's bytes, or the environment variable's value encoded.
    where : str
        Where the key came from, for the message.
    least : int
        Fewest characters accepted.
    any_text : bool
        Accept any printable text (a passphrase in the environment variable), not only ASCII.

    Raises
    ------
    PseudonymKeyError
        The key is empty (a key file cut off when the disk was full), shorter than
        ``least``, or holds anything but printable ASCII (a damaged file; the
        environment variable may also hold other printable text).

    Examples
    --------
    >>> check_key(b"0123456789abcdef0123456789abcdef\\n", "key")
    b'0123456789abcdef0123456789abcdef'
    >>> check_key(b"", "key.file")
    Traceback (most recent call last):
    ...
    helpers.ingest.pseudonym.PseudonymKeyError: key.file: the pseudonym key is empty (a file cut off when the disk was full?); restore the key from its backup, or make a new one with --new-key (every wave then gets new pseudonyms)
    """
    key = raw.strip()
    fix = ("restore the key from its backup, or make a new one with --new-key (every wave then gets new "
           "pseudonyms)")
    if not key:
        raise PseudonymKeyError(f"{where}: the pseudonym key is empty (a file cut off when the disk was full?); {fix}")
    if not all(0x20 <= b <= 0x7E or (any_text and b >= 0x80) for b in key):
        raise PseudonymKeyError(f"{where}: the pseudonym key is garbled (it holds bytes that are not printable "
                                f"ASCII); {fix}")
    if len(key) < least:
        raise PseudonymKeyError(f"{where}: the pseudonym key is {len(key)} characters long; expected at least "
                                f"{least} (the file was cut off?); {fix}")
    return key


def fingerprint(secret: bytes) -> str:
    """A short fingerprint of a key: an HMAC of a fixed text under it, never the key itself.

    Builds record it (tidy ``wave.json``), so that waves pseudonymised under different
    keys are told apart without revealing either key.

    Examples
    --------
    >>> fingerprint(b"k") == fingerprint(b"k"), fingerprint(b"k") == fingerprint(b"other"), len(fingerprint(b"k"))
    (True, False, 16)
    """
    return hmac.new(secret, FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()[:16]


def _builds_with_keys(build: Path | None) -> list[Path]:
    """Tidy folders under ``build`` (default: the project's ``build/``) that a key made."""
    if build is None:
        try:
            from helpers.paths import project_root

            build = project_root() / "build"
        except SurveyError:
            return []
    return sorted(p for p in Path(build).glob("*/tidy") if p.is_dir() and any(p.iterdir()))


def _write_new_key(path: Path) -> None:
    """Write a new random key to ``path`` atomically and without replacing an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # fails if a key appeared meanwhile: never replace a key
        except FileExistsError:
            pass
    finally:
        Path(tmp).unlink(missing_ok=True)


def load_secret(*, new_key: bool = False, build: str | Path | None = None) -> bytes:
    """Return the pseudonym key; create a random one on first use.

    Parameters
    ----------
    new_key : bool
        Create a key even though builds made under another key exist (``--new-key``).
    build : str or Path, optional
        The build folder whose waves tell whether a key was used before (default: the
        project's ``build/``).

    Returns
    -------
    bytes
        The key.

    Raises
    ------
    PseudonymKeyError
        The key is empty, short or garbled; or there is no key file but builds made
        under a key exist (the key was lost or this is another machine), and
        ``new_key`` is not set.
    """
    value = os.environ.get(SECRET_ENV)
    if value:
        return check_key(value.encode("utf-8", "replace"), SECRET_ENV, MIN_ENV_KEY_CHARS, any_text=True)
    path = secret_path()
    if not path.exists():
        made = _builds_with_keys(Path(build) if build is not None else None)
        if made and not new_key:
            raise PseudonymKeyError(
                f"no pseudonym key at {path}, but {len(made)} build(s) were made under a key (e.g. {made[0].parent}): "
                f"copy that key here (or name it with {SECRET_FILE_ENV}) to keep the pseudonyms; or run again with "
                "--new-key to make a new key (every wave then gets new pseudonyms, and earlier keys, exclusions and "
                "visit pairs no longer match)")
        _write_new_key(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PseudonymKeyError(f"{path}: the pseudonym key cannot be read ({exc.strerror})") from exc
    return check_key(raw, str(path))


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
    from helpers.ingest.readers import normalise_text  # here: reading the key needs no pandas

    digest = hmac.new(secret, normalise_text(member_id).encode("utf-8"), hashlib.sha256).hexdigest()
    return "P" + digest[:length]
