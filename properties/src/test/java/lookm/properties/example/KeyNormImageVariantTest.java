package lookm.properties.example;

import java.util.Map;
import lookm.properties.contract.Require;
import lookm.properties.contract.Variant;
import lookm.properties.contract.VariantContract;
import lookm.properties.gen.CacheCases;
import lookm.properties.gen.Limits;
import lookm.properties.qt.Theories;
import lookm.reference.ReferenceBackend;
import lookm.spec.invariant.Invariants;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Window;
import org.junit.jupiter.api.Test;

/** "Keep image tokens by key norm": the generic contract in a few lines, plus one property of its own. */
class KeyNormImageVariantTest implements VariantContract {
    static final ReferenceBackend REFERENCE = new ReferenceBackend();
    static final Variant KEY_NORM = Variant.of(new KeyNormImageScore(),
            REFERENCE.selector(new SelectSpec.TopK(0, new Window.BudgetRecent())),   // top-N + recent window R
            REFERENCE.merger(new MergeSpec.Pivot()));                                 // evicted tokens pivot-merged

    @Override public Map<String, Variant> variants() { return Map.of("reference", KEY_NORM); }

    @Test
    void noImageTokenIsKeptWhileATextTokenIsEvicted() {
        Theories.check(1, CacheCases.any(Limits.DEFAULT), c -> Require.holds("key-norm", Invariants.textBeforeImage(
                KEY_NORM.compress(c.block(), c.observation(), c.budget()).selection(), c.layout(), c.budget())));
    }
}
