package lookm.bench.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lookm.bench.replay.Replay;
import lookm.reference.ReferenceBackend;
import lookm.spec.allocate.AllocationNames;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.tensor.Budget;
import org.junit.jupiter.api.Test;

/** A sweep plan survives Java serialization (what Spark does to it) and rebuilds the very jobs it was made of. */
class SweepPlanTest {
    static final List<String> POLICIES = List.of("lookm", "snapkv(window=16,kernel=3)", "h2o(sinks=4) + pivot", "random");
    static final List<Double> FRACTIONS = List.of(0.1, 0.3);

    static List<Replay.Job> jobs(ReferenceBackend backend, List<PolicySpec> policies) {
        List<Replay.Job> out = new ArrayList<>();
        for (PolicySpec p : policies)
            for (double f : FRACTIONS) out.add(new Replay.Job(p.name(), f, backend.compressor(p), Budget.ratios(f * 0.5, f * 0.5)));
        return out;
    }

    @Test void serializedPlanRebuildsTheSameJobs() throws IOException, ClassNotFoundException {
        try (ReferenceBackend backend = new ReferenceBackend()) {
            List<PolicySpec> policies = new ArrayList<>(POLICIES.stream().map(Policies::parse).toList());
            policies.add(Policies.parse("h2o").withAllocation(AllocationNames.parse("vlcache(threshold=0.01)")));
            List<Replay.Job> jobs = jobs(backend, policies);
            double[] profile = {0.5, 0.25};
            SweepPlan plan = SweepPlan.of(List.of(new SweepPlan.TraceEntry("/t/a", "a", 2, 2, Map.of("vlcache(threshold=0.01)", profile))),
                    jobs, FRACTIONS.size());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(plan);
            }
            SweepPlan back;
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                back = (SweepPlan) in.readObject();
            }
            List<Replay.Job> rebuilt = back.jobs(backend);
            assertEquals(jobs.size(), rebuilt.size());
            for (int j = 0; j < jobs.size(); j++) {
                PolicySpec a = jobs.get(j).compressor().policy(), b = rebuilt.get(j).compressor().policy();
                assertEquals(jobs.get(j).policy(), rebuilt.get(j).policy());
                assertEquals(jobs.get(j).budgetFraction(), rebuilt.get(j).budgetFraction());
                assertEquals(jobs.get(j).budget(), rebuilt.get(j).budget());
                assertEquals(List.of(a.score(), a.select(), a.merge(), a.allocate()), List.of(b.score(), b.select(), b.merge(), b.allocate()));
            }
            Replay.Job profiled = rebuilt.get(rebuilt.size() - 1);
            assertArrayEquals(profile, back.context(0, profiled, 1).profile());
            assertTrue(!back.context(0, rebuilt.get(0), 1).hasProfile());
        }
    }

    @Test void kvpressCompressionRatiosTravelAsThemselves() throws IOException, ClassNotFoundException {
        try (ReferenceBackend backend = new ReferenceBackend()) {
            PolicySpec p = Policies.parse("kvpress-knorm");
            List<Replay.Job> jobs = List.of(new Replay.Job(p.name(), 0.5, backend.compressor(p), Budget.compressionRatio(0.5)),
                    new Replay.Job(p.name(), 0.2, backend.compressor(p), Budget.compressionRatio(0.8)));
            SweepPlan plan = SweepPlan.of(List.of(new SweepPlan.TraceEntry("/t/a", "a", 1, 2, Map.of())), jobs, 2);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(plan);
            }
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                List<Replay.Job> rebuilt = ((SweepPlan) in.readObject()).jobs(backend);
                // kvpress's rounding n = int(T(1 − CR)) differs from ratios at the same nominal share (T = 1200, CR 0.8: 239, not 240)
                for (int j = 0; j < jobs.size(); j++) {
                    assertEquals(jobs.get(j).budget(), rebuilt.get(j).budget());
                    assertEquals(jobs.get(j).budgetFraction(), rebuilt.get(j).budgetFraction());
                }
                assertEquals(239, rebuilt.get(1).budget().resolve(1200).total());
            }
            List<Replay.Job> counts = List.of(new Replay.Job(p.name(), 0.1, backend.compressor(p), Budget.counts(10, 0)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SweepPlan.of(List.of(new SweepPlan.TraceEntry("/t/a", "a", 1, 2, Map.of())), counts, 1));
            assertTrue(e.getMessage().contains("ratios of T or kvpress's compression ratio"), e.getMessage());
        }
    }

    @Test void scoresFromAFileCannotTravel() {
        try (ReferenceBackend backend = new ReferenceBackend()) {
            PolicySpec p = Policies.parse("h2o").withExternalScores();
            List<Replay.Job> jobs = List.of(new Replay.Job("h2o", 0.2, backend.compressor(p), Budget.ratios(0.1, 0.1), layer -> null));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SweepPlan.of(List.of(new SweepPlan.TraceEntry("/t/a", "a", 1, 2, Map.of())), jobs, 1));
            assertTrue(e.getMessage().contains("--scores-from"), e.getMessage());
        }
    }
}
