"""Exports for the EVM, snarkjs-compatible: a Groth16 verifier contract, ``verifyProof`` calldata, the settlement set.

- ``solidity_verifier(vk)`` renders snarkjs 0.7.6's own Solidity template (``templates/verifier_groth16.sol.ejs``
  of the pinned npm package, read where ``verifier.evm_toolchain.node_modules`` installed it) with the key, so the
  text equals ``snarkjs zkey export solidityverifier`` on the same key byte for byte. The template is snarkjs's
  (GPL-3.0, as its header says) and is not copied into this project; the rendering is ours: a small evaluator of
  the EJS subset the template uses (``<%= expression %>`` over the verification-key JSON — names, indexing,
  ``.length``, integer ``+ - *`` and parentheses — and ``<% for (let i = a; i < b; i++) { %> … <% } %>`` with ``<``
  or ``<=``), text kept verbatim as EJS does by default.
- ``solidity_calldata(proof, public_inputs)`` is the text ``snarkjs zkey export soliditycalldata`` prints: A, B
  (imaginary parts first), C and the inputs as 0x-prefixed 64-digit hex in quotes.
- ``export_settlement(out_dir, batch_vk, cross_vk, root_check)`` writes what a chain needs to settle shared batches
  of that shape: the two settlement sources, each circuit's verifier, the verifying-key data contract's creation
  code, every contract compiled (ABI and bytecode), and a README with the deployment order.

References
----------
snarkjs 0.7.6 ``src/zkey_export_solidityverifier.js`` (``ejs.render(template, verificationKey)``),
``src/groth16_exportsoliditycalldata.js``; EJS 3 documentation (tags ``<%``, ``<%=``, ``%>``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from verifier.evm_toolchain import Say, node_modules
from zksvs.errors import FormatError
from zksvs.formats.snarkjs_json import proof_to_json, verifying_key_to_json
from zksvs.groth16 import Proof, VerifyingKey

__all__ = ["export_settlement", "render_ejs", "snarkjs_template", "solidity_calldata", "solidity_verifier"]

_TAG = re.compile(r"<%(=?)(.*?)%>", re.S)
_FOR = re.compile(r"^\s*for\s*\(\s*let\s+(\w+)\s*=\s*(.+?);\s*\1\s*(<=?)\s*(.+?);\s*\1\s*\+\+\s*\)\s*\{\s*$", re.S)
_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_]\w*)|(\S))")


def snarkjs_template(say: Say | None = None) -> str:
    """snarkjs's Groth16 Solidity template, from the pinned package (installed on first use)."""
    path = node_modules(say) / "snarkjs" / "templates" / "verifier_groth16.sol.ejs"
    return path.read_text(encoding="utf-8")


class _Expr:
    """A recursive-descent evaluator of the template's expressions: a + b, a - b, a * b, (a), x[i], x.length."""

    def __init__(self, text: str, env: Mapping[str, object]) -> None:
        self.tokens = [t for t in _TOKEN.findall(text) if any(t)]
        self.i = 0
        self.env = env

    def _peek(self) -> str | None:
        if self.i >= len(self.tokens):
            return None
        num, name, op = self.tokens[self.i]
        return num or name or op

    def _next(self) -> tuple[str, str, str]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def value(self) -> object:
        v = self._sum()
        if self.i != len(self.tokens):
            raise FormatError(f"template expression: unexpected {self._peek()!r}")
        return v

    def _sum(self) -> object:
        v = self._product()
        while self._peek() in ("+", "-"):
            op = self._next()[2]
            w = self._product()
            v = int(v) + int(w) if op == "+" else int(v) - int(w)
        return v

    def _product(self) -> object:
        v = self._postfix()
        while self._peek() == "*":
            self._next()
            v = int(v) * int(self._postfix())
        return v

    def _postfix(self) -> object:
        num, name, op = self._next()
        if num:
            v: object = int(num)
        elif name:
            if name not in self.env:
                raise FormatError(f"template expression: unknown name {name!r}")
            v = self.env[name]
        elif op == "(":
            v = self._sum()
            if self._next()[2] != ")":
                raise FormatError("template expression: ')' expected")
        else:
            raise FormatError(f"template expression: unexpected {op!r}")
        while self._peek() in ("[", "."):
            if self._next()[2] == "[":
                v = v[int(self._sum())]  # type: ignore[index]
                if self._next()[2] != "]":
                    raise FormatError("template expression: ']' expected")
            else:
                if self._next()[1] != "length":
                    raise FormatError("template expression: only .length is supported")
                v = len(v)  # type: ignore[arg-type]
        return v


def render_ejs(template: str, context: Mapping[str, object]) -> str:
    """Render the EJS subset described in the module docstring (text verbatim, ``<%=`` output, ``for`` loops).

    Raises
    ------
    FormatError
        A tag outside the subset, or unbalanced braces.
    """
    # split into ("text", s) / ("out", expr) / ("code", js) parts, then run them as a tree of loops
    parts: list[tuple[str, str]] = []
    pos = 0
    for m in _TAG.finditer(template):
        parts.append(("text", template[pos : m.start()]))
        parts.append(("out" if m.group(1) else "code", m.group(2)))
        pos = m.end()
    parts.append(("text", template[pos:]))

    def block(i: int, env: dict[str, object], out: list[str] | None) -> int:
        """Render parts from i until an unmatched '}' (returned index just past it) or the end."""
        while i < len(parts):
            kind, body = parts[i]
            if kind == "text":
                if out is not None:
                    out.append(body)
                i += 1
            elif kind == "out":
                if out is not None:
                    out.append(str(_Expr(body, env).value()))
                i += 1
            elif body.strip() == "}":
                return i + 1
            else:
                m = _FOR.match(body)
                if m is None:
                    raise FormatError(f"template: unsupported code {body.strip()!r}")
                var, start, cmp, stop = m.groups()
                lo, hi = int(_Expr(start, env).value()), int(_Expr(stop, env).value())
                hi += 1 if cmp == "<=" else 0
                end = None
                for x in range(lo, hi):
                    end = block(i + 1, {**env, var: x}, out)
                if end is None:  # an empty loop: skip its body
                    end = block(i + 1, {**env, var: lo}, None)
                i = end
        return i

    out: list[str] = []
    if block(0, dict(context), out) != len(parts):
        raise FormatError("template: unbalanced '}'")
    return "".join(out)


def solidity_verifier(vk: VerifyingKey, say: Say | None = None) -> str:
    """The Solidity verifier of ``vk`` as ``snarkjs zkey export solidityverifier`` writes it (module docstring)."""
    return render_ejs(snarkjs_template(say), verifying_key_to_json(vk))


def _p256(v: int | str) -> str:
    return f'"0x{int(v):064x}"'


def solidity_calldata(proof: Proof, public_inputs: Sequence[int]) -> str:
    """``verifyProof``'s arguments as ``snarkjs zkey export soliditycalldata`` prints them (one line, no newline)."""
    p = proof_to_json(proof)
    a, b, c = p["pi_a"], p["pi_b"], p["pi_c"]
    inputs = ",".join(_p256(x) for x in public_inputs)
    return (
        f"[{_p256(a[0])}, {_p256(a[1])}],"
        f"[[{_p256(b[0][1])}, {_p256(b[0][0])}],[{_p256(b[1][1])}, {_p256(b[1][0])}]],"
        f"[{_p256(c[0])}, {_p256(c[1])}],"
        f"[{inputs}]"
    )


def export_settlement(
    out_dir: str | Path, batch_vk: VerifyingKey, cross_vk: VerifyingKey | None, root_check: str, say: Say | None = None
) -> list[Path]:
    """Write the settlement contracts of a shape into ``out_dir`` (module docstring); returns the files written."""
    from verifier.evm_calldata import key_data_initcode, verifying_key_words
    from verifier.evm_poseidon import CONTRACT_FILE as POSEIDON_FILE
    from verifier.evm_settlement import BABYJUBJUB_FILE, ROOT_CHECK_CODES, SETTLEMENT_FILE, compile_settlement
    from verifier.evm_toolchain import contract_source

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def write(name: str, text: str) -> None:
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)

    for name in (SETTLEMENT_FILE, BABYJUBJUB_FILE, POSEIDON_FILE):
        write(name, contract_source(name))
    write("BatchVerifier.sol", solidity_verifier(batch_vk, say))
    words = verifying_key_words(batch_vk)
    if cross_vk is not None and root_check != "openings":
        write("CrossVerifier.sol", solidity_verifier(cross_vk, say))
        words += verifying_key_words(cross_vk)
    write("verifying_keys.initcode.hex", "0x" + key_data_initcode(words).hex() + "\n")
    artifacts = {
        name: {"abi": c.abi, "bytecode": "0x" + c.bytecode.hex(), "deployedBytecode": "0x" + c.runtime.hex()}
        for name, c in compile_settlement(say).items()
    }
    write("artifacts.json", json.dumps(artifacts, indent=1) + "\n")
    k = cross_vk.n_public if cross_vk is not None else None
    write(
        "README.md",
        f"""# zksvs settlement contracts (root check: {root_check})

Deploy in this order (EVM: Cancun or later; compiled with solc-js 0.8.37, artifacts.json):

1. `PoseidonT3` (root check openings or both; artifacts.json `PoseidonT3.bytecode`).
2. The verifying keys: send `verifying_keys.initcode.hex` as a contract creation; its code is the key words.
3. `SharedSettlement(rootCheck = {ROOT_CHECK_CODES[root_check]}, poseidon = <PoseidonT3 address or 0>, accountDepth = D,
   forcedDeadline = T)` (D: the rollups' account depth, T: shared batches within which a forced-inclusion queue
   entry must be processed; BabyJubjub.sol is a library it imports, compiled in).
4. `register(<keys address>, genesisStateRoots)`: one root per rollup, chain ids 0..K-1{f", K = {k}" if k else ""}.

Then `settle(uint256[] s)` per shared batch (layout: SharedSettlement.sol's header comment). BatchVerifier.sol and
CrossVerifier.sol are each circuit's standalone verifier as snarkjs exports it (one proof per call).
""",
    )
    return written
