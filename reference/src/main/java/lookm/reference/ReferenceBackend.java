package lookm.reference;

import lookm.reference.merge.AverageMerge;
import lookm.reference.merge.DropMerge;
import lookm.reference.merge.PivotMerge;
import lookm.reference.merge.ValueMerge;
import lookm.reference.merge.WeightedMerge;
import lookm.reference.score.AccumulatedAttentionScore;
import lookm.reference.score.CurScore;
import lookm.reference.score.ExternalScore;
import lookm.reference.score.HindsightOracleScore;
import lookm.reference.score.KeyDiffScore;
import lookm.reference.score.KeyNormScore;
import lookm.reference.score.KvpressSnapKvScore;
import lookm.reference.score.LagKvScore;
import lookm.reference.score.NoScore;
import lookm.reference.score.ObservedAttentionScore;
import lookm.reference.score.PostVisionAttentionScore;
import lookm.reference.score.RandomScore;
import lookm.reference.score.TovaScore;
import lookm.reference.score.WindowAttentionScore;
import lookm.reference.select.KeepAllSelect;
import lookm.reference.select.StreamingSelect;
import lookm.reference.select.TextPriorSelect;
import lookm.reference.select.TopKSelect;
import lookm.spec.plugin.Plugins;
import lookm.spec.policy.Backend;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.Merger;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.Scorer;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Selector;
import lookm.spec.policy.Stage;
import lookm.spec.policy.UnsupportedVariantException;

/**
 * The readable reference backend: EJML, double accumulation, float32 storage. The oracle every other backend
 * is checked against, and the faithful reproduction of the authors' code (see the golden tests).
 */
public final class ReferenceBackend implements Backend {
    public static final String NAME = "reference";

    @Override public String name() { return NAME; }

    @Override public String device() { return "JVM (EJML " + org.ejml.EjmlVersion.VERSION + ", double accumulation)"; }

    @Override public Scorer scorer(ScoreSpec spec) {
        if (spec instanceof ScoreSpec.None) return new NoScore();
        if (spec instanceof ScoreSpec.AccumulatedAttention a) return new AccumulatedAttentionScore(a);
        if (spec instanceof ScoreSpec.WindowAttention w) return new WindowAttentionScore(w);
        if (spec instanceof ScoreSpec.Random r) return new RandomScore(r.seed());
        if (spec instanceof ScoreSpec.HindsightOracle) return new HindsightOracleScore();
        if (spec instanceof ScoreSpec.ObservedAttention o) return new ObservedAttentionScore(o.source());
        if (spec instanceof ScoreSpec.KeyNorm) return new KeyNormScore();
        if (spec instanceof ScoreSpec.Tova) return new TovaScore();
        if (spec instanceof ScoreSpec.KeyDiff) return new KeyDiffScore();
        if (spec instanceof ScoreSpec.LagKv l) return new LagKvScore(l);
        if (spec instanceof ScoreSpec.Cur c) return new CurScore(c);
        if (spec instanceof ScoreSpec.KvpressSnapKv s) return new KvpressSnapKvScore(s);
        if (spec instanceof ScoreSpec.External) return new ExternalScore();
        if (spec instanceof ScoreSpec.PostVisionAttention) return new PostVisionAttentionScore();
        if (spec instanceof ScoreSpec.Custom c) return Plugins.require(Stage.SCORE, c.keyword(), c.args(), NAME, Scorer.class);
        throw new UnsupportedVariantException(spec, NAME);
    }

    @Override public Selector selector(SelectSpec spec) {
        if (spec instanceof SelectSpec.KeepAll) return new KeepAllSelect();
        if (spec instanceof SelectSpec.TopK t) return new TopKSelect(t);
        if (spec instanceof SelectSpec.TextPrior tp) return new TextPriorSelect(tp);
        if (spec instanceof SelectSpec.Streaming s) return new StreamingSelect(s.sinkTokens());
        if (spec instanceof SelectSpec.Custom c) return Plugins.require(Stage.SELECT, c.keyword(), c.args(), NAME, Selector.class);
        throw new UnsupportedVariantException(spec, NAME);
    }

    @Override public Merger merger(MergeSpec spec) {
        if (spec instanceof MergeSpec.Drop) return new DropMerge();
        if (spec instanceof MergeSpec.Pivot) return new PivotMerge();
        if (spec instanceof MergeSpec.Average a) return new AverageMerge(a);
        if (spec instanceof MergeSpec.Weighted w) return new WeightedMerge(w);
        if (spec instanceof MergeSpec.ValueMerge v) return new ValueMerge(v);
        if (spec instanceof MergeSpec.Custom c) return Plugins.require(Stage.MERGE, c.keyword(), c.args(), NAME, Merger.class);
        throw new UnsupportedVariantException(spec, NAME);
    }
}
