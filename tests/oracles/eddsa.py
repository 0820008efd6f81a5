"""circomlibjs 0.1.7 (``buildEddsa``, ``buildBabyjub``) and npm ``blake-hash`` as oracles for Baby Jubjub and EdDSA.

Every helper runs one node process for a whole batch of requests (``run_node_script``: JSON on stdin, JSON on
stdout); field elements travel as decimal strings, byte strings as hex. Nothing here computes an expected value in
Python: the values come from the pinned npm packages.
"""

from __future__ import annotations

from collections.abc import Sequence

from tests.oracles.node import run_node_script

_BLAKE512 = r"""
const createBlakeHash = require("blake-hash");
let data = "";
process.stdin.on("data", (d) => (data += d));
process.stdin.on("end", () => {
  const out = JSON.parse(data).map((h) =>
    createBlakeHash("blake512").update(Buffer.from(h, "hex")).digest().toString("hex"));
  process.stdout.write(JSON.stringify(out));
});
"""


def blake512_hex(messages: Sequence[bytes]) -> list[bytes]:
    """npm ``blake-hash`` ``createBlakeHash("blake512")`` digests of ``messages``."""
    out = run_node_script(_BLAKE512, [m.hex() for m in messages])
    return [bytes.fromhex(h) for h in out]


# One script answers a list of requests, each {"op": ..., ...}:
#   {"op": "constants"}                                   -> the babyJub constants
#   {"op": "prv2pub", "prv": hex}                         -> [x, y]
#   {"op": "sign", "prv": hex, "msg": dec}                -> {"r8": [x, y], "s": dec}
#   {"op": "verify", "msg": dec, "r8": [x, y], "s": dec, "a": [x, y]} -> bool
#   {"op": "mul", "p": [x, y], "k": dec}                  -> [x, y]   (mulPointEscalar)
#   {"op": "add", "p": [x, y], "q": [x, y]}               -> [x, y]   (addPoint)
#   {"op": "in_curve", "p": [x, y]} / {"op": "in_subgroup", "p": [x, y]} -> bool
_EDDSA = r"""
const { buildEddsa } = require("circomlibjs");
let data = "";
process.stdin.on("data", (d) => (data += d));
process.stdin.on("end", async () => {
  const eddsa = await buildEddsa();
  const bj = eddsa.babyJub;
  const F = bj.F;
  const dec = (e) => F.toObject(e).toString();
  const pt = (p) => [F.e(BigInt(p[0])), F.e(BigInt(p[1]))];
  const out = JSON.parse(data).map((q) => {
    switch (q.op) {
      case "constants":
        return { p: bj.p.toString(), a: dec(bj.A), d: dec(bj.D), order: bj.order.toString(),
                 subOrder: bj.subOrder.toString(), generator: bj.Generator.map(dec), base8: bj.Base8.map(dec) };
      case "prv2pub":
        return eddsa.prv2pub(Buffer.from(q.prv, "hex")).map(dec);
      case "sign": {
        const sig = eddsa.signPoseidon(Buffer.from(q.prv, "hex"), F.e(BigInt(q.msg)));
        return { r8: sig.R8.map(dec), s: sig.S.toString() };
      }
      case "verify":
        return eddsa.verifyPoseidon(F.e(BigInt(q.msg)), { R8: pt(q.r8), S: BigInt(q.s) }, pt(q.a));
      case "mul":
        return bj.mulPointEscalar(pt(q.p), BigInt(q.k)).map(dec);
      case "add":
        return bj.addPoint(pt(q.p), pt(q.q)).map(dec);
      case "in_curve":
        return bj.inCurve(pt(q.p));
      case "in_subgroup":
        return bj.inSubgroup(pt(q.p));
      default:
        throw new Error("unknown op " + q.op);
    }
  });
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
});
"""


def _pt(p: Sequence[int]) -> list[str]:
    return [str(p[0]), str(p[1])]


def circomlibjs(requests: Sequence[dict]) -> list:
    """Answer ``requests`` (see the op table above; ints are sent as decimal strings) in one node call."""
    payload = []
    for q in requests:
        enc = {}
        for k, v in q.items():
            if isinstance(v, bytes):
                enc[k] = v.hex()
            elif isinstance(v, tuple | list):
                enc[k] = _pt(v)
            elif isinstance(v, int):
                enc[k] = str(v)
            else:
                enc[k] = v
        payload.append(enc)
    return run_node_script(_EDDSA, payload)  # type: ignore[return-value]


def point(obj: Sequence[str]) -> tuple[int, int]:
    """A ``[x, y]`` of decimal strings as an int pair."""
    return int(obj[0]), int(obj[1])
