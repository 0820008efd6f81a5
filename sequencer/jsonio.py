"""Reading the JSON text users hand the sequencer: file encodings, byte-order marks, integers as numbers or strings.

Text: UTF-8, with or without a byte-order mark (Windows editors write one); UTF-16 and UTF-32 only with their BOM
(PowerShell's ``>`` writes UTF-16 LE with a BOM). Anything else that is not valid UTF-8 is refused with the file, the
byte offset and the line of the first bad byte (``TextEncodingError``), never a ``UnicodeDecodeError``.

Integers (``json_uint``): a JSON integer, or a decimal string of one (``"10"``: circom's ``input.json`` habit, and the
only exact form for values above 2^53 in JavaScript's JSON). A string must be the canonical decimal form: an optional
``-``, then digits without a leading zero; ``"1e3"``, ``"1.5"``, ``" 10"``, ``"+1"``, ``"0x10"``, ``"010"`` are refused
with the reason. ``true``/``false`` and floats (``10.0``) are refused too. Which fields accept strings is the caller's
choice (values such as amounts and balances do; identifiers such as chain ids do not).

References
----------
RFC 8259 §8.1 (JSON text is UTF-8; a BOM may be ignored); Unicode 15 §23.8 (U+FEFF byte-order mark).
"""

from __future__ import annotations

import codecs
import os
import re

from zksvs.errors import InputError

#: Longest decimal string read (2^256 has 78 digits): refuses absurd lengths before converting.
MAX_DIGITS = 78

_BOMS = (
    # UTF-32 first: its little-endian BOM starts with UTF-16 LE's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CANONICAL = re.compile(r"-?(0|[1-9][0-9]*)")


class TextEncodingError(InputError):
    """A text file is not UTF-8 (nor UTF-16/32 with a byte-order mark).

    Attributes
    ----------
    path : str
        The file.
    offset : int
        Byte offset of the first byte that cannot be decoded (0-based, counting any BOM).
    line : int
        Its 1-based line.
    """

    def __init__(self, path: str, offset: int, line: int, byte: int, encoding: str) -> None:
        self.path = path
        self.offset = offset
        self.line = line
        super().__init__(
            f"{path}: not {encoding} text: byte 0x{byte:02x} at offset {offset} (line {line}); save it as UTF-8"
        )


def decode_text(data: bytes, path: str) -> str:
    """Decode a user's text file (module docstring); the BOM, if any, is dropped.

    Raises
    ------
    TextEncodingError
        ``data`` is not valid in its encoding (UTF-8 when there is no BOM).
    """
    encoding, start = "utf-8", 0
    for bom, enc in _BOMS:
        if data.startswith(bom):
            encoding, start = enc, len(bom)
            break
    try:
        return data[start:].decode(encoding)
    except UnicodeDecodeError as e:
        offset = start + e.start
        line = data.count(b"\n", 0, offset) + 1
        name = "UTF-8" if encoding == "utf-8" else encoding.upper()
        raise TextEncodingError(path, offset, line, data[offset], name) from None


def read_text(path: str | os.PathLike) -> str:
    """Read and decode a user's text file (``decode_text``).

    Raises
    ------
    TextEncodingError
        As ``decode_text``.
    OSError
        The file cannot be read.
    """
    with open(path, "rb") as f:
        data = f.read()
    return decode_text(data, os.fspath(path))


def strip_bom(line: str) -> str:
    """``line`` without a leading U+FEFF (a BOM left at a line start when UTF-8 files with BOMs are concatenated)."""
    return line[1:] if line.startswith("\ufeff") else line


def json_uint(v: object, what: str, *, strings: bool) -> int:
    """The integer a JSON value stands for (module docstring); its range is the caller's to check.

    Parameters
    ----------
    v : object
        A decoded JSON value.
    what : str
        Its name in messages, e.g. ``"field 'amount'"``.
    strings : bool
        Whether a decimal string is accepted.

    Raises
    ------
    ValueError
        Not an integer (a bool, a float, another type; a string when ``strings`` is False), or a string that is not
        the canonical decimal form of one. The message starts with ``what`` and gives the reason.
    """
    if type(v) is int:
        return v
    if isinstance(v, str) and strings:
        return _decimal(v, what)
    kinds = "an integer or a decimal string" if strings else "an integer"
    raise ValueError(f"{what} must be {kinds}, not {type(v).__name__} {v!r}")


def _decimal(s: str, what: str) -> int:
    if _CANONICAL.fullmatch(s):
        if len(s.lstrip("-")) > MAX_DIGITS:
            raise ValueError(f"{what} has {len(s.lstrip('-'))} digits, more than any field element ({MAX_DIGITS})")
        return int(s)
    if s == "":
        reason = "is an empty string"
    elif s != s.strip():
        reason = "has spaces around it"
    elif s.lower().startswith(("0x", "-0x")):
        reason = "is hexadecimal: write it in decimal"
    elif re.fullmatch(r"-?[0-9]+", s):
        reason = "has a leading zero"
    elif s.startswith("+"):
        reason = "has a '+' sign"
    elif re.fullmatch(r"[-+]?[0-9]*\.?[0-9]*([eE][-+]?[0-9]+)?", s):
        reason = "is not an integer: no decimal point or exponent"
    else:
        reason = "is not a decimal integer"
    raise ValueError(f'{what} {s!r} {reason} (a decimal string holds digits only, e.g. "10")')
