package lookm.accelerated.score;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Which kernel the window scores run, without a device: window_column_sums (a work-item's row blocks walk the keys
 * together) exactly when each work-item holds 2 to {@link CausalColumnSumsCl#MAX_JOINT_BLOCKS} row blocks, else
 * block_column_sums. WindowColumnSumsTest checks on the device that both kernels give the same floats.
 */
class JointBlocksTest {
    @Test void rowBlocksPerWorkItemChooseTheKernel() {
        assertEquals(0, CausalColumnSumsCl.jointBlocks(1, 1), "one row block: nothing to walk together");
        assertEquals(2, CausalColumnSumsCl.jointBlocks(2, 1));
        assertEquals(2, CausalColumnSumsCl.jointBlocks(3, 2), "ceil(3 / 2)");
        assertEquals(0, CausalColumnSumsCl.jointBlocks(4, 4), "one block per split");
        assertEquals(CausalColumnSumsCl.MAX_JOINT_BLOCKS, CausalColumnSumsCl.jointBlocks(CausalColumnSumsCl.MAX_JOINT_BLOCKS, 1));
        assertEquals(0, CausalColumnSumsCl.jointBlocks(CausalColumnSumsCl.MAX_JOINT_BLOCKS + 1, 1), "too many blocks to hold together");
    }

    @Test void aFewComputeUnitsGiveSnapKvWindowsTheJointKernelAndManyDoNot() {
        // 32 query heads of 2 row blocks each (e.g. SnapKV-32's 32 rows in 16-lane blocks)
        assertEquals(1, CausalColumnSumsCl.splits(2, 32, 2), "2 compute units: 32 work-items wanted, one per head");
        assertEquals(2, CausalColumnSumsCl.jointBlocks(2, CausalColumnSumsCl.splits(2, 32, 2)));
        assertEquals(2, CausalColumnSumsCl.splits(132, 32, 2), "a GPU-sized device splits every head's rows, at most one split per block");
        assertEquals(0, CausalColumnSumsCl.jointBlocks(2, CausalColumnSumsCl.splits(132, 32, 2)));
        assertEquals(1, CausalColumnSumsCl.splits(0, 64, 4), "a device reporting no compute units is taken as one");
    }
}
