"""The user documentation stays true to the code: schemas agree with the parsers, the examples do what
docs/formats.md says, every command is in docs/cli.md, and links resolve inside the repository."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from pipeline.cli import main
from sequencer import Sequencer, load_genesis, parse_tx, read_jsonl
from sequencer.genesis import InvalidGenesis, genesis_from_obj
from zksvs.errors import MalformedTransaction

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
TX_SCHEMA = json.loads((DOCS / "schemas" / "transaction.schema.json").read_text())
GENESIS_SCHEMA = json.loads((DOCS / "schemas" / "genesis.schema.json").read_text())

#: Pages other parts of the project write (issue 11 asks the index to link them as they will exist).
PAGES_OF_OTHERS = {
    "circuits.md",
    "soundness.md",
    "uniqueness.md",
    "signatures.md",
    "ceremony.md",
    "evm.md",
    "prover.md",
    "scaling.md",
}

T = {"kind": "transfer", "chain": 0, "from": 3, "to": 5, "amount": 10, "nonce": 0}
B = {"kind": "burn", "chain": 0, "to_chain": 2, "from": 3, "to": 7, "amount": 5, "nonce": 1}
C = {"kind": "call", "chain": 0, "to_chain": 2, "from": 3, "to": 7, "amount": 5, "nonce": 1, "program": "cond",
     "payload": "100"}  # fmt: skip
SIG = {"r8": ["1", "2"], "s": "3"}
ORDER = {"kind": "swap_order", "chain": 2, "to_chain": 0, "from": 4, "to": 5, "amount": 9, "nonce": 0,
         "counter_from": 3, "counter_to": 7, "counter_amount": 5, "signature": SIG}  # fmt: skip


def _valid(schema: dict, obj: object) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(obj)


@pytest.mark.parametrize(
    "obj",
    [
        T,
        B,
        T | {"amount": "10"},
        T | {"amount": "18446744073709551615", "nonce": "0"},
        T | {"amount": 2**64 - 1},
        T | {"amount": "1e3"},
        T | {"amount": " 10"},
        T | {"amount": "010"},
        T | {"amount": "+1"},
        T | {"amount": "0x10"},
        T | {"amount": 10.5},
        T | {"amount": True},
        T | {"amount": -1},
        T | {"amount": 2**64},
        T | {"chain": "0"},
        T | {"from": -1},
        T | {"memo": "x"},
        {k: v for k, v in T.items() if k != "nonce"},
        T | {"kind": "mint"},
        B | {"to_chain": "2"},
        {k: v for k, v in B.items() if k != "to_chain"},
        C,
        C | {"program": "mint", "payload": "0"},
        C | {"program": "burn"},
        {k: v for k, v in C.items() if k != "program"},
        {k: v for k, v in C.items() if k != "payload"},
        C | {"payload": "1e3"},
        C | {"signature": SIG},
        C | {"signature": {"r8": ["1"], "s": "3"}},
        T | {"to_pubkey": ["5", "6"]},
        T | {"to_pubkey": ["5"]},
        T | {"signature": SIG, "pubkey": ["7", "8"]},
        B | {"program": "mint"},
        C | {"order": ORDER},
    ],
)
def test_the_transaction_schema_accepts_what_the_parser_accepts(obj):
    try:
        parse_tx(obj)
        parsed = True
    except MalformedTransaction:
        parsed = False
    assert _valid(TX_SCHEMA, obj) == parsed


def test_genesis_schema_and_loader_agree_on_the_example_and_on_bad_values():
    example = json.loads((DOCS / "examples" / "genesis.json").read_text())
    assert _valid(GENESIS_SCHEMA, example)
    genesis_from_obj(example)
    for bad in (
        example | {"n_rollups": 9},
        example | {"capacity": "2"},
        example | {"extra": 1},
        {k: v for k, v in example.items() if k != "rollups"},
        example | {"rollups": [{"chain_id": 0, "accounts": [{"index": 0, "balance": "1e3"}]}, {"chain_id": 1}]},
        example | {"rollups": [{"chain_id": 0, "accounts": [{"index": 0, "balance": 1, "memo": 1}]}, {"chain_id": 1}]},
    ):
        assert not _valid(GENESIS_SCHEMA, bad)
        with pytest.raises(InvalidGenesis):
            genesis_from_obj(bad)


def test_the_examples_do_what_formats_md_says():
    genesis = load_genesis(DOCS / "examples" / "genesis.json")
    lines = read_jsonl(DOCS / "examples" / "txs.jsonl")
    for _, tx in lines:
        assert _valid(TX_SCHEMA, tx.to_obj())
    seq = Sequencer(genesis)
    results = [seq.submit(tx, n).to_obj() for n, tx in lines]
    assert [r["status"] for r in results] == ["accepted"] * 3 + ["rejected"] + ["accepted"] * 2
    assert [r.get("batch_number") for r in results] == [0, 0, 1, None, 1, 2]
    assert results[3]["reason"] == "action_failed" and "MINT action on chain 1" in results[3]["message"]
    assert seq.account(0, 3) is not None and seq.account(0, 3).balance == 7  # line 6 created it
    text = (DOCS / "formats.md").read_text()
    for line in (DOCS / "examples" / "txs.jsonl").read_text().splitlines():
        assert line in text  # the page shows the file as it is


def _commands(group, prefix: str = "zksvs") -> list[str]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        out += _commands(cmd, path) if hasattr(cmd, "commands") else [path]
    return out


def test_every_command_is_in_the_cli_reference():
    text = (DOCS / "cli.md").read_text()
    missing = [c for c in _commands(main) if c not in text]
    assert not missing, f"docs/cli.md does not document {missing}"


def _links(md: Path) -> list[str]:
    return [m for m in re.findall(r"\]\(([^)\s]+)\)", md.read_text()) if not re.match(r"[a-z]+:", m)]


@pytest.mark.parametrize("md", [*sorted(DOCS.glob("*.md")), ROOT / "README.md"], ids=lambda p: p.name)
def test_links_stay_inside_the_repository_and_resolve(md):
    for link in _links(md):
        target = (md.parent / link.split("#")[0]).resolve()
        assert target.is_relative_to(ROOT), f"{md.name} links outside the repository: {link}"
        if target.parent == DOCS and target.name in PAGES_OF_OTHERS:
            continue
        assert target.exists(), f"{md.name}: broken link {link}"


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation but '-' and '_' dropped, spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(md: Path) -> set[str]:
    """The anchors of every heading of ``md`` outside code blocks (a repeated heading gets -1, -2, ...)."""
    out: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in md.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#{1,6} (.*)", line)):
            s = _slug(m.group(1))
            out.add(s if s not in seen else f"{s}-{seen[s]}")
            seen[s] = seen.get(s, 0) + 1
    return out


def test_the_slug_is_githubs():
    assert _slug("`zksvs run`") == "zksvs-run"
    assert _slug("Proving on Ray") == "proving-on-ray"
    assert _slug("1. What travels, and where") == "1-what-travels-and-where"


@pytest.mark.parametrize("md", [*sorted(DOCS.glob("*.md")), ROOT / "README.md"], ids=lambda p: p.name)
def test_every_anchor_a_page_links_to_exists(md):
    for link in _links(md):
        if "#" not in link:
            continue
        page, anchor = link.split("#", 1)
        target = (md.parent / page).resolve() if page else md
        if not target.exists() and target.name in PAGES_OF_OTHERS:
            continue  # a page another part of the project writes (the link test names the missing ones)
        assert anchor in _anchors(target), f"{md.name}: {link}: no heading of {target.name} has that anchor"


def test_the_readme_cites_nothing_outside_the_repository():
    text = (ROOT / "README.md").read_text()
    for outside in ("DESIGN.md", "STYLE.md", "PERF_NOTES", "EVM_NOTES", "anchors/", "../shared", "/work/"):
        assert outside not in text, outside
