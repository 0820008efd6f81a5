"""A second EVM agrees with pyrevm: the same settlement sequence on py-evm (Cancun) gives the same verdicts and
the same gas, transaction by transaction (deployments, register, honest shared batches, rejections).

py-evm is an independent implementation (Python, py_ecc precompiles); agreement shows the gas figures are the EVM's,
not an artifact of one client or of our cold-state harness (verifier.evm_chain). Slow: py_ecc pairings.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.e2e.conftest import no_mint_submission, small_pipeline_run
from tests.evm.pyevm_chain import PyEvmChain
from tests.verifier.test_settlement import rollup
from verifier.evm_chain import Chain
from verifier.evm_settlement import EvmSettlementContract

pytestmark = [pytest.mark.prover, pytest.mark.node, pytest.mark.slow]


def _run_sequence(chain, run, mode: str):
    c = EvmSettlementContract(mode, None if mode == "openings" else run.cross_vk, chain=chain)
    for i, root in enumerate(run.genesis_state_roots):
        c.register(i, run.batch_vk, root)
    honest = run.submissions[0]
    mixed = replace(honest, rollups=[rollup(honest, 0), no_mint_submission(run)])
    subs = [
        honest,
        honest,  # a replay
        replace(run.submissions[1], cross_proof=honest.cross_proof),  # a foreign cross proof
        run.submissions[1],
    ]
    if mode != "proof":
        subs.insert(0, mixed)  # burn without its mint
    results = [c.settle(s) for s in subs]
    return [(r.accepted, r.failed_check, r.chain_id, r.evm.gas_used) for r in results], dict(c.deployment_gas)


@pytest.mark.parametrize("mode", ["proof", "both"])
def test_pyevm_and_pyrevm_agree_on_verdicts_and_gas(tmp_path_factory, settlement_artifacts, mode):
    run = small_pipeline_run(tmp_path_factory.mktemp("small-run"))
    ours, our_deploy = _run_sequence(Chain(), run, mode)
    theirs, their_deploy = _run_sequence(PyEvmChain(), run, mode)
    assert [v[:3] for v in ours] == [v[:3] for v in theirs]
    assert [v[3] for v in ours] == [v[3] for v in theirs]
    assert our_deploy == their_deploy
    assert ours[-1][0] and ours[-2][:2] == (False, "cross_proof")
