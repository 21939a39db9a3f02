package lookm.properties;

import static org.junit.jupiter.api.Assertions.assertTrue;

import lookm.reference.ReferenceBackend;
import lookm.spec.invariant.Invariants;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.Modality;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceLayer;
import lookm.traces.synth.SynthConfig;
import lookm.traces.synth.SynthLayout;
import lookm.traces.synth.SyntheticTraceGenerator;
import org.junit.jupiter.api.Test;

/**
 * Every registered policy on each current-VLM layout preset (SPEC.md §0.1): the generic invariants hold, and the text
 * prior treats special tokens as text (the released text prior keeps every one of them, no policy merges one away
 * under the text prior) and video tokens as visual (evicted and merged like image tokens).
 */
class VlmLayoutPolicyTest {
    private static final int TEXT = 24;
    private static final double HEAVY = 0.1, RECENT = 0.05;

    /** Every prefill query is stored, so that every window-scored policy has what it needs. */
    private static TraceLayer layer(String preset) {
        SynthLayout layout = SynthLayout.of(preset, TEXT, TEXT);
        SynthConfig config = SynthConfig.builder().modelName("vlm-policy-test").shape(1, 2, 2, 32).dtype(CacheDtype.FLOAT32)
                .preset(layout).prefillQueries(layout.layout().size()).probes(2).seed(11).build();
        return new SyntheticTraceGenerator(config).layer(0);
    }

    private static void require(Verdict v, String where) { assertTrue(v.holds(), where + ": " + v); }

    @Test
    void everyPolicyHoldsTheInvariantsAndTheTextPriorKeepsSpecialTokens() {
        ReferenceBackend backend = new ReferenceBackend();
        Budget budget = Budget.ratios(HEAVY, RECENT);
        for (String preset : SynthLayout.NAMES) {
            TraceLayer layer = layer(preset);
            TokenLayout layout = layer.block().layout();
            for (PolicySpec policy : Policies.all()) {
                if (policy.score().needs().contains(Observation.Part.EXTERNAL_SCORES)) continue;   // scores from outside: none here
                String where = preset + ", " + policy.name();
                CompressedLayer out = backend.compressor(policy).compress(layer.block(), layer.observation(), budget);
                require(Invariants.keptAndEvictedPartition(out), where);
                require(Invariants.finite(out), where);
                TextPriorMode mode = Invariants.textPriorMode(policy.select());
                if (mode == null) continue;
                require(Invariants.textBeforeImage(out.selection(), layout, budget), where);
                for (int h = 0; h < out.headCount(); h++) {
                    HeadCompression c = out.head(h);
                    for (int e : c.evicted())
                        if (mode == TextPriorMode.RELEASED)
                            assertTrue(layout.modality(e).visual(), where + ", head " + h + ": evicted " + layout.modality(e) + " token " + e);
                }
            }
        }
    }

    @Test
    void videoTokensAreEvictedAndMergedLikeImageTokens() {
        TraceLayer layer = layer("video");
        TokenLayout layout = layer.block().layout();
        CompressedLayer out = new ReferenceBackend().compressor(Policies.named("lookm")).compress(layer.block(), layer.observation(),
                Budget.ratios(HEAVY, RECENT));
        for (int h = 0; h < out.headCount(); h++) {
            long video = java.util.Arrays.stream(out.head(h).evicted()).filter(e -> layout.modality(e) == Modality.VIDEO).count();
            assertTrue(video > 0, "head " + h + ": no video token evicted");
            assertTrue(out.head(h).mergedCount() > 0, "head " + h + ": nothing merged");
        }
    }
}
