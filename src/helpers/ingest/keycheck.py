"""Refuse to join files pseudonymised under different keys.

Pseudonyms are an HMAC of the member number under the local key
(:mod:`helpers.ingest.pseudonym`). Files made under another key (on another machine,
or before a key was lost) name the same members by other pseudonyms: joined with this
wave, nobody matches, and a comparison says "0 members in both waves", a key file gives
no names, and last round's exclusions are silently ignored. Each check here recognises
that and says what to do instead.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

from helpers.ingest.pseudonym import PseudonymKeyError, fingerprint

__all__ = ["check_build_key", "check_ids", "check_previous"]

_FIX = ("use the key those files were made with (FORUM_NETWORK_SECRET_FILE names its file), or make them again "
        "under this key")


def check_build_key(meta: dict, secret: bytes, wave: str) -> None:
    """Refuse a wave's tidy tables made under another key than ``secret``.

    Parameters
    ----------
    meta : dict
        The wave's tidy ``wave.json``.
    secret : bytes
        The key in use.
    wave : str
        The wave's id, for the message.

    Raises
    ------
    PseudonymKeyError
        ``meta`` records another key's fingerprint.

    Examples
    --------
    >>> check_build_key({"key_fingerprint": fingerprint(b"k" * 8)}, b"k" * 8, "2019-02")
    >>> check_build_key({"key_fingerprint": fingerprint(b"k" * 8)}, b"x" * 8, "2019-02")
    Traceback (most recent call last):
    ...
    helpers.ingest.pseudonym.PseudonymKeyError: wave 2019-02 was pseudonymised under another key (fingerprint ...
    """
    recorded = meta.get("key_fingerprint")
    current = fingerprint(secret)
    if recorded is not None and recorded != current:
        raise PseudonymKeyError(
            f"wave {wave} was pseudonymised under another key (fingerprint {recorded}; the key in use has "
            f"{current}), so its members cannot be matched with this wave's; run it again under this key "
            f"(forum-network run {wave} --no-cache), or {_FIX}")


def check_ids(ids: Iterable[str], members: Collection[str], file: str | Path, wave: str, *,
              complete: bool = False) -> None:
    """Refuse member ids (pseudonyms) from a file that match none of a wave's members.

    A member who left the forum is not in the wave, so some ids may be unknown; when
    none is known, the file was made under another key (or for another forum).

    Parameters
    ----------
    ids : iterable of str
        The pseudonyms the file names.
    members : collection of str
        The wave's pseudonyms.
    file : str or Path
        The file, for the message.
    wave : str
        The wave's id.
    complete : bool
        Every member of the wave must be among ``ids`` (a key file that gives names).

    Raises
    ------
    PseudonymKeyError

    Examples
    --------
    >>> check_ids(["P1", "P9"], {"P1", "P2"}, "x.yml", "w")
    >>> check_ids(["P8", "P9"], {"P1", "P2"}, "x.yml", "w")
    Traceback (most recent call last):
    ...
    helpers.ingest.pseudonym.PseudonymKeyError: x.yml: none of its 2 member ids is a member of wave w: ...
    """
    ids = {str(i) for i in ids}
    members = set(members)
    if ids and not ids & members:
        raise PseudonymKeyError(f"{file}: none of its {len(ids)} member ids is a member of wave {wave}: it was "
                                f"made under another pseudonym key (or for another forum); {_FIX}")
    if complete and members - ids:
        missing = len(members - ids)
        raise PseudonymKeyError(f"{file}: {missing} of wave {wave}'s {len(members)} members are not in it: it was "
                                f"made for another wave or under another pseudonym key; write it again with "
                                f"forum-network key {wave} --out {file} --force")


def check_previous(meta: dict, members, wave_folder: Path, secret: bytes, wave: str) -> None:
    """Refuse a previous wave whose tidy tables, or whose recorded visit pairs, were made under another key.

    Parameters
    ----------
    meta : dict
        The previous wave's tidy settings and counts (with its ``key_fingerprint``).
    members : iterable of str
        The previous wave's member ids (pseudonyms).
    wave_folder : Path
        The previous wave's raw folder (where ``visit-pairs.csv`` is kept).
    secret : bytes
        The key in use.
    wave : str
        The previous wave's id.

    Raises
    ------
    PseudonymKeyError
    """
    from helpers.ingest.readers import UnreadableFile, read_csv
    from helpers.ingest.wave import VISIT_PAIRS_FILE

    check_build_key(meta, secret, wave)
    pairs = Path(wave_folder) / VISIT_PAIRS_FILE
    if pairs.is_file():
        try:
            frame = read_csv(pairs).frame
        except UnreadableFile:
            return  # reported, with its row and column, where the pairs are read
        if "member_id" in frame:
            check_ids(frame["member_id"], set(members), pairs, wave)
