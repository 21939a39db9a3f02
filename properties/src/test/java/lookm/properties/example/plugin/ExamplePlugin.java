package lookm.properties.example.plugin;

import java.util.List;
import java.util.Set;
import lookm.properties.example.KeyNormImageScore;
import lookm.spec.plugin.CustomStage;
import lookm.spec.plugin.LookmPlugin;
import lookm.spec.policy.Alias;
import lookm.spec.policy.Scorer;

/** Two reference-only scorers and a policy for each; listed in META-INF/services/lookm.spec.plugin.LookmPlugin. */
public final class ExamplePlugin implements LookmPlugin {
    @Override public String name() { return "example-knorm"; }

    @Override public List<CustomStage<Scorer>> scorers() {
        return List.of(
                CustomStage.reference("smallest-key-norm", "keys of smallest L2 norm first (kvpress Knorm)", Set.of(), args -> new SmallestKeyNormScore()),
                CustomStage.reference("image-key-norm", "text first, then images by key norm (README)", Set.of(), args -> new KeyNormImageScore()));
    }

    @Override public List<Alias> policies() {
        return List.of(
                new Alias("example-knorm", "smallest key norms + recent window, dropped", "score=smallest-key-norm select=topk merge=drop", ""),
                new Alias("example-key-norm", "text first, images by key norm + recent window, pivot-merged", "score=image-key-norm select=topk merge=pivot", ""));
    }
}
