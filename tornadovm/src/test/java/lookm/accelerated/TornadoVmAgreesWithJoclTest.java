package lookm.accelerated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import lookm.accelerated.cl.Devices;
import lookm.accelerated.cl.OpenClUnavailableException;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSource;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.tornadovm.TornadoVmBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One kernel source, two hosts: every registry policy gives bit-identical scores and compressed layers on TornadoVM and
 * on JOCL when both drive the same device (here PoCL's CPU device): the prebuilt rewrite moves pointers, never values.
 */
class TornadoVmAgreesWithJoclTest {
    private static final long SEED = 20261201L;
    private static OpenClBackend tornado, jocl;
    private static String noJocl;

    /** Per test, so that a skip is reported on each test with its reason. */
    private static synchronized void open() {
        tornado = OpenClTestSupport.backend();
        assertEquals(TornadoVmBackend.NAME, tornado.name(), "the suites of this module run on the TornadoVM host (-Dlookm.openclHost)");
        if (jocl == null && noJocl == null) {
            String name = tornado.deviceInfo().name();
            try {
                jocl = OpenClBackend.open(Devices.list().stream().filter(d -> d.name().equals(name)).findFirst()
                        .orElseThrow(() -> new OpenClUnavailableException("JOCL lists no device named '" + name + "'")));
            } catch (OpenClUnavailableException | LinkageError e) {
                noJocl = e.toString();
            }
        }
        if (jocl == null) Assumptions.abort("skipped: the TornadoVM device is not reachable through JOCL too: " + noJocl);
    }

    @AfterAll
    static void close() {
        if (jocl != null) jocl.close();
    }

    static List<PolicySpec> policies() { return Policies.all(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policies")
    void everyPolicyIsBitIdenticalOnBothHosts(PolicySpec policy) {
        open();
        Assumptions.assumeTrue(jocl.supports(policy).supported(), () -> "skipped: " + jocl.supports(policy).reason());
        Layers.Layer layer = Layers.layer(2, 4, 200, 32, SEED);
        PolicySpec recomputed = policy.withScoreSource(ScoreSource.RECOMPUTED);
        Compressor onTornado = OpenClTestSupport.compressorOrSkip(tornado, recomputed), onJocl = jocl.compressor(recomputed);
        Budget budget = Budget.ratios(0.1, 0.1);
        assertArrayEquals(onJocl.scorer().score(layer.block(), layer.observation(), budget).values(),
                onTornado.scorer().score(layer.block(), layer.observation(), budget).values(), "scores");
        CompressedLayer a = onJocl.compress(layer.block(), layer.observation(), budget), b = onTornado.compress(layer.block(), layer.observation(), budget);
        assertEquals(a.headCount(), b.headCount());
        for (int h = 0; h < a.headCount(); h++) {
            assertArrayEquals(a.head(h).kept(), b.head(h).kept(), "kept, head " + h);
            assertArrayEquals(a.head(h).mergeTarget(), b.head(h).mergeTarget(), "merge targets, head " + h);
            assertArrayEquals(a.head(h).keys(), b.head(h).keys(), "keys, head " + h);
            assertArrayEquals(a.head(h).values(), b.head(h).values(), "values, head " + h);
        }
    }

    @Test
    void aKernelThatDoesNotBuildFailsNamingTheFileInsteadOfRunningAsJava() {
        tornado = OpenClTestSupport.backend();
        var program = tornado.context().program("broken_for_test", "");
        try (var kernel = program.kernel("broken"); var out = tornado.context().allocateFloats(4)) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(lookm.accelerated.cl.KernelBuildException.class,
                    () -> kernel.arg(out).launch(new long[] {4}, null));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("broken_for_test"), e.getMessage());
        }
    }
}
