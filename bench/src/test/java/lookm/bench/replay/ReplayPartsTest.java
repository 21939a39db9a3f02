package lookm.bench.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.Policies;
import lookm.spec.tensor.Budget;
import lookm.traces.schema.TracePart;
import org.junit.jupiter.api.Test;

/** Replay reads K/V and the probes, plus only the observation parts the jobs' scores declare ({@code ScoreSpec.needs()}). */
class ReplayPartsTest {
    private static EnumSet<TracePart> parts(String... policies) {
        ReferenceBackend reference = new ReferenceBackend();
        List<Replay.Job> jobs = Arrays.stream(policies)
                .map(p -> new Replay.Job(p, 0.2, reference.compressor(Policies.parse(p)), Budget.ratios(0.1, 0.1))).toList();
        return EnumSet.copyOf(Replay.parts(jobs));
    }

    @Test
    void eachPolicyReadsOnlyWhatItsScoreNeeds() {
        assertEquals(EnumSet.of(TracePart.KV, TracePart.PROBES), parts("recent", "full", "random", "oracle"));
        assertEquals(EnumSet.of(TracePart.KV, TracePart.PROBES, TracePart.ATTENTION), parts("h2o", "lookm"));
        assertEquals(EnumSet.of(TracePart.KV, TracePart.PROBES, TracePart.PREFILL_QUERIES), parts("snapkv-32", "lookm(source=recomputed)"));
        // every part but the decode part, which only the streaming replay (DecodeReplay) reads
        assertEquals(EnumSet.complementOf(EnumSet.of(TracePart.DECODE)), parts("h2o", "snapkv-32"));
    }
}
