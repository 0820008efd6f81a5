"""BLAKE-512 (``zksvs.blake512``) against npm ``blake-hash`` 2.0 (the package circomlibjs 0.1.7 uses), run by node.

Lengths cover every padding case: empty, short, 111 bytes (the one-byte 0x81 pad), 112..127 (padding spills into a
block of padding only, whose counter is 0), exact multiples of the 128-byte block, and several blocks.
"""

from __future__ import annotations

import random

import pytest

from tests.oracles.eddsa import blake512_hex
from zksvs.blake512 import blake512

LENGTHS = [0, 1, 2, 31, 32, 63, 64, 96, 110, 111, 112, 113, 126, 127, 128, 129, 200, 238, 239, 240, 255, 256, 257, 1000]


@pytest.mark.node
def test_blake512_matches_blake_hash(node_tools):
    rng = random.Random(0xB1A4E)
    messages = [bytes(rng.randrange(256) for _ in range(n)) for n in LENGTHS]
    messages += [b"\x00" * 111, b"\xff" * 128, b"abc"]
    assert [blake512(m) for m in messages] == blake512_hex(messages)


def test_blake512_accepts_bytes_like_and_gives_64_bytes():
    assert blake512(bytearray(b"abc")) == blake512(b"abc") == blake512(memoryview(b"abc"))
    assert len(blake512(b"")) == 64
    assert blake512(b"a") != blake512(b"b")


def test_blake512_rejects_str():
    with pytest.raises(TypeError, match="memoryview"):
        blake512("abc")  # type: ignore[arg-type]
