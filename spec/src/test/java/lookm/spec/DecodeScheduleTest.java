package lookm.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import lookm.spec.decode.DecodeSchedule;
import lookm.spec.invariant.Invariants;
import lookm.spec.policy.Policies;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.TokenLayout;
import org.junit.jupiter.api.Test;

/** The decode schedule (SPEC.md §9): validation naming the option, the budget, I18's bound, and what it refuses. */
class DecodeScheduleTest {
    @Test
    void validatesEachFieldNamingItsOption() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DecodeSchedule(0, 8, 4)).getMessage().contains("--decode-every must be >= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DecodeSchedule(2, 0, 0)).getMessage().contains("--decode-cap must be >= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DecodeSchedule(2, 8, 9)).getMessage().contains("--decode-recent must be in [0, --decode-cap=8]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DecodeSchedule(2, 8, -1)).getMessage().contains("--decode-recent"));
    }

    @Test
    void theBudgetIsCMinusRHeavyPlusRRecentAndTheBoundIsCPlusTheStepsSince() {
        DecodeSchedule s = new DecodeSchedule(4, 10, 3);
        assertEquals(Budget.counts(7, 3), s.budget());
        assertFalse(s.due(3));
        assertTrue(s.due(4));
        assertEquals(14, s.bound(4));
        assertTrue(Invariants.withinDecodeCap(10, s, 0).holds());
        assertFalse(Invariants.withinDecodeCap(11, s, 0).holds());
        assertTrue(Invariants.withinDecodeCap(14, s, 4).holds());
        assertFalse(Invariants.withinDecodeCap(15, s, 4).holds());
        assertFalse(Invariants.withinDecodeCap(10, s, 5).holds(), "k never passes N");
    }

    @Test
    void refusesPoliciesTheCapCannotHold() {
        for (String name : new String[] {"h2o", "lookm-budgeted", "streaming-llm", "snapkv-32", "kvpress-knorm"})
            assertDoesNotThrow(() -> DecodeSchedule.requireBounded(Policies.named(name)), name);
        String[][] refused = {{"lookm", "released text prior"}, {"full", "keeps the whole cache"}, {"oracle", "reads the decode probes"},
                {"random", "depend on the head index"}, {"lookm-budgeted(source=recomputed)", "use the recorded source"},
                {"h2o scope=frame", "supports scope=global only"}};
        for (String[] r : refused) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DecodeSchedule.requireBounded(Policies.parse(r[0])));
            assertTrue(e.getMessage().contains(r[1]), e.getMessage());
        }
    }

    @Test
    void gatherAndWithTextDescribeAStreamedCache() {
        TokenLayout layout = TokenLayout.builder().text(2).image(3).text(1).image(2).build().withText(2);
        assertEquals(10, layout.size());
        assertTrue(layout.isText(8) && layout.isText(9));
        assertArrayEquals(new int[] {0, 0, -1, -1}, layout.gather(new int[] {6, 7, 8, 9}).imageIds(), "the second image renumbered 0");
        assertThrows(IllegalArgumentException.class, () -> layout.gather(new int[] {3, 3}));
        assertThrows(IllegalArgumentException.class, () -> layout.gather(new int[] {10}));
        assertThrows(IllegalArgumentException.class, () -> layout.gather(new int[0]));
    }
}
