"""The gas model (verifier.gas.settle_gas) is within 2 % of the gas SharedSettlement.settle uses on the EVM (2.5 % on a
real K = 2 run with openings).

Measured: real shared batches (``small_run``: K = 2, B = 2, our prover's proofs) under each root check, and honest
synthetic batches of other shapes (bench/evm_shapes.py: toy circuits with the real public-input layout, keys from
one phase 1); the model prices each submission's exact calldata. Also: the goals of issue 9 at the demo shape
(K = 4, B = 4), measured: proof mode ≤ 600,000 gas, both ≤ 1,500,000, ≤ 2,000 gas per further slot.
"""

from __future__ import annotations

import pytest

from bench.evm_gas import measure
from tests.e2e.conftest import small_pipeline_run
from tests.evm.test_settlement_contract import evm_contract
from verifier.settlement import ROOT_CHECKS

pytestmark = [pytest.mark.prover, pytest.mark.node]


@pytest.mark.parametrize("mode", ROOT_CHECKS)
def test_model_within_two_and_a_half_percent_of_the_evm_on_a_real_run(tmp_path_factory, settlement_artifacts, mode):
    run = small_pipeline_run(tmp_path_factory.mktemp("small-run"))
    contract = evm_contract(run, mode)
    for sub in run.submissions:
        result = contract.settle(sub)
        assert result.accepted
        model = result.gas.shared_batch(mode).tx_total
        # 2.5 %: at K = 2, B = 2 with openings the model (fitted on the sweep, where K = 2 openings is its largest
        # residual, −0.8 %) reads ~2 % low on a real run's data (measured −1.98 % after the forced-inclusion refit)
        assert abs(model - result.evm.gas_used) <= 0.025 * result.evm.gas_used, (model, result.evm.gas_used)


@pytest.mark.parametrize(("k", "b"), [(3, 2), (4, 4), (6, 8), (8, 1)])
def test_model_within_two_percent_of_the_evm_on_other_shapes(settlement_artifacts, k, b):
    for mode in ROOT_CHECKS:
        row = measure(k, b, mode)
        assert abs(row["model_error"]) <= 0.02, row


def test_demo_shape_meets_the_gas_goals(settlement_artifacts):
    proof = measure(4, 4, "proof")
    both = measure(4, 4, "both")
    # issue 9's goals; protocol v2's five-word slots took proof mode to 616,415 in the dense encoding, the sparse one
    # (zero words free) and the L1's own eval_point/eval_value and cross inputs bring it to 598,282
    assert proof["gas"] <= 600_000 and both["gas"] <= 1_500_000
    wider = measure(4, 8, "proof")
    per_slot = (wider["gas"] - proof["gas"]) / (4 * 4)
    assert per_slot <= 2_000
    # keys that share nothing pay two more pairs and an ecMul: the layout the dev setup avoids
    assert measure(4, 4, "proof", shared_phase1=False)["gas"] > proof["gas"] + 2 * 34_000
