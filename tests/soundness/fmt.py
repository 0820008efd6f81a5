"""Readable field elements and counterexample traces.

A value is printed as a small signed integer when it is one (``−1`` for r − 1), else as a small fraction when it
is one (``−1/2 mod r``, ``(2c − 1)/2`` with c = 1 reads ``1/2 mod r``), else as decimal with its hex width.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from zksvs.field import FR_MODULUS

_R = FR_MODULUS
_SMALL = 1 << 80
_DENOMINATORS = range(2, 65)


def signed(v: int) -> int:
    """The representative of ``v mod r`` in (−r/2, r/2]."""
    v %= _R
    return v - _R if v > _R // 2 else v


def field_repr(v: int) -> str:
    """``v`` as a small signed integer, a small fraction ``n/d mod r``, or a decimal (see the module docstring)."""
    s = signed(v)
    if abs(s) < _SMALL:
        return str(s).replace("-", "−")
    for d in _DENOMINATORS:
        n = signed(v * d)
        if abs(n) < _SMALL:
            return f"{str(n).replace('-', '−')}/{d} mod r"
    return f"{v % _R} (~2^{(v % _R).bit_length()})"


def trace(
    labels: Mapping[int, str],
    first: Sequence[int] | Mapping[int, int] | None,
    second: Mapping[int, int],
    limit: int = 40,
) -> str:
    """Lines ``label: first → second`` (or ``label = second`` with no first copy), one per wire, sorted by wire."""
    lines = []
    for w in sorted(second)[:limit]:
        name = labels.get(w, f"w{w}")
        if first is None:
            lines.append(f"  {name} = {field_repr(second[w])}")
        else:
            lines.append(f"  {name}: {field_repr(first[w])} → {field_repr(second[w])}")
    if len(second) > limit:
        lines.append(f"  … {len(second) - limit} more")
    return "\n".join(lines)
