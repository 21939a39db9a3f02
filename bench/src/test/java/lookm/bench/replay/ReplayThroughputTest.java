package lookm.bench.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The replay's verdict: bound by reading exactly when the compressing thread waited for reads at least half the wall time. */
class ReplayThroughputTest {
    private static Replay.Throughput waited(double waitForReads, double waitForOthers) {
        return new Replay.Throughput(4, 10.0, 9.0, 3.0, waitForReads, waitForOthers, 2.0, 6.0, 0.0, 1_000_000L);
    }

    @Test
    void boundByReadingWhenTheReadsWereWaitedForHalfTheWallTimeOrMore() {
        assertEquals("read", waited(5.0, 0.0).boundBy());
        assertEquals("read", waited(9.5, 0.0).boundBy());
        assertEquals("compute", waited(4.9, 0.0).boundBy());
        assertEquals("compute", waited(1.0, 8.0).boundBy(), "waiting for the fidelity thread is compute");
        assertEquals(0.4, waited(0, 0).layersPerSecond(), 1e-12);
        assertEquals(0.1, waited(0, 0).megabytesPerSecond(), 1e-12);
    }
}
