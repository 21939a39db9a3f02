package lookm.accelerated;

import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClHost;
import lookm.accelerated.cl.ClHostProvider;
import lookm.accelerated.cl.DeviceInfo;
import lookm.accelerated.cl.DeviceSelector;
import lookm.accelerated.cl.Tiling;
import lookm.accelerated.merge.AverageMergeCl;
import lookm.accelerated.merge.DropMergeCl;
import lookm.accelerated.merge.PivotMergeCl;
import lookm.accelerated.merge.ValueMergeCl;
import lookm.accelerated.merge.WeightedMergeCl;
import lookm.accelerated.score.AccumulatedAttentionScoreCl;
import lookm.accelerated.score.CurScoreCl;
import lookm.accelerated.score.ExternalScoreCl;
import lookm.accelerated.score.HindsightOracleScoreCl;
import lookm.accelerated.score.KeyDiffScoreCl;
import lookm.accelerated.score.KeyNormScoreCl;
import lookm.accelerated.score.KvpressSnapKvScoreCl;
import lookm.accelerated.score.LagKvScoreCl;
import lookm.accelerated.score.ObservedAttentionScoreCl;
import lookm.accelerated.score.RandomScoreCl;
import lookm.accelerated.score.TovaScoreCl;
import lookm.accelerated.score.WindowAttentionScoreCl;
import lookm.accelerated.select.TextPriorSelectCl;
import lookm.accelerated.select.TopKSelectCl;
import lookm.spec.plugin.Plugins;
import lookm.spec.policy.Backend;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.PositionStages;
import lookm.spec.policy.Merger;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.Scorer;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Selector;
import lookm.spec.policy.Stage;
import lookm.spec.policy.UnsupportedVariantException;

/**
 * The accelerated backend: every stage as OpenCL C kernels (resources lookm/accelerated/kernels/*.cl) on one
 * explicitly chosen device, a GPU or the CPU through PoCL. Mirrors {@code lookm.reference.ReferenceBackend} stage
 * for stage; a variant it cannot run is refused with {@link UnsupportedVariantException}, never run elsewhere.
 * Not thread-safe (one in-order queue); close it to release the device. The host program is JOCL by default; the same
 * stages and kernels also run on another {@link ClHost} ({@link #open(String, String)}: e.g. TornadoVM's prebuilt
 * tasks from the optional {@code tornadovm} module), and the backend then takes the host's name.
 *
 * <pre>{@code
 * try (OpenClBackend backend = OpenClBackend.open("cpu")) {           // "gpu", "cpu" or "platform:device"
 *     CompressedLayer out = backend.compressor(Policies.named("lookm")).compress(block, observation, budget);
 * }
 * }</pre>
 */
public final class OpenClBackend implements Backend {
    public static final String NAME = "opencl";

    private final ClContext cl;
    private final String name;

    private OpenClBackend(ClContext cl) { this(cl, NAME); }

    private OpenClBackend(ClContext cl, String name) {
        this.cl = cl;
        this.name = name;
    }

    /**
     * A backend on the chosen device.
     *
     * @param device "gpu", "cpu" or "platform:device" indices (see {@link lookm.accelerated.cl.Devices#list()})
     * @throws lookm.accelerated.cl.OpenClUnavailableException if there is no OpenCL runtime or no such device
     */
    public static OpenClBackend open(String device) { return open(DeviceSelector.of(device)); }

    public static OpenClBackend open(DeviceSelector device) { return new OpenClBackend(ClContext.open(device)); }

    public static OpenClBackend open(DeviceInfo device) { return new OpenClBackend(ClContext.open(device)); }

    /**
     * The backend on the OpenCL host named {@code host}: "jocl" ({@link #open(String)}) or a host a
     * {@link ClHostProvider} on the class path serves (e.g. "tornadovm"), which then names the backend.
     *
     * @param device "gpu", "cpu" or "platform:device"; blank: the host's default device
     * @throws IllegalArgumentException if no such host is on the class path
     * @throws lookm.accelerated.cl.OpenClUnavailableException if the host has no such device
     */
    public static OpenClBackend open(String host, String device) {
        if (JOCL_HOST.equals(host)) return device.isBlank() ? open(lookm.accelerated.cl.Devices.list().stream().findFirst()
                .orElseThrow(() -> new lookm.accelerated.cl.OpenClUnavailableException("the OpenCL runtime lists no device"))) : open(device);
        ClHostProvider provider = ClHostProvider.named(host).orElseThrow(() -> new IllegalArgumentException(
                "no OpenCL host '" + host + "' on the class path (known here: " + JOCL_HOST + ")"));
        return on(provider.open(device), provider.name());
    }

    /** The stages on {@code host} (owned: closing the backend closes it), the backend named {@code name}. */
    public static OpenClBackend on(ClHost host, String name) {
        return new OpenClBackend(ClContext.on(host, Tiling.forDevice(host.device())), name);
    }

    /** Name of the default host, JOCL. */
    public static final String JOCL_HOST = lookm.accelerated.cl.JoclHost.NAME;

    /** A backend with an explicit register-tile shape instead of the device kind's default. */
    public static OpenClBackend open(DeviceInfo device, Tiling tiling) { return new OpenClBackend(ClContext.open(device, tiling)); }

    @Override public String name() { return name; }

    @Override public String device() { return cl.device().describe(); }

    /** The device this backend runs on. */
    public DeviceInfo deviceInfo() { return cl.device(); }

    /** The OpenCL context, for stage timing ({@link ClContext#finish()}) and tools. */
    public ClContext context() { return cl; }

    @Override public Scorer scorer(ScoreSpec spec) {
        if (spec instanceof ScoreSpec.None) return PositionStages.none();                     // no data: host
        if (spec instanceof ScoreSpec.AccumulatedAttention a) return new AccumulatedAttentionScoreCl(cl, a);
        if (spec instanceof ScoreSpec.WindowAttention w) return new WindowAttentionScoreCl(cl, w);
        if (spec instanceof ScoreSpec.Random r) return new RandomScoreCl(cl, r.seed());
        if (spec instanceof ScoreSpec.HindsightOracle) return new HindsightOracleScoreCl(cl);
        if (spec instanceof ScoreSpec.ObservedAttention o) return new ObservedAttentionScoreCl(cl, o.source());
        if (spec instanceof ScoreSpec.KeyNorm) return new KeyNormScoreCl(cl);
        if (spec instanceof ScoreSpec.KeyDiff) return new KeyDiffScoreCl(cl);
        if (spec instanceof ScoreSpec.Cur c) return new CurScoreCl(cl, c);
        if (spec instanceof ScoreSpec.External) return new ExternalScoreCl();
        if (spec instanceof ScoreSpec.Tova) return new TovaScoreCl(cl);
        if (spec instanceof ScoreSpec.KvpressSnapKv k) return new KvpressSnapKvScoreCl(cl, k);
        if (spec instanceof ScoreSpec.LagKv l) return new LagKvScoreCl(cl, l);
        if (spec instanceof ScoreSpec.Custom c) return Plugins.require(Stage.SCORE, c.keyword(), c.args(), name, Scorer.class);
        throw new UnsupportedVariantException(spec, name);
    }

    @Override public Selector selector(SelectSpec spec) {
        if (spec instanceof SelectSpec.KeepAll) return PositionStages.keepAll();
        if (spec instanceof SelectSpec.TopK t) return new TopKSelectCl(cl, t);
        if (spec instanceof SelectSpec.TextPrior tp) return new TextPriorSelectCl(cl, tp);
        if (spec instanceof SelectSpec.Streaming s) return PositionStages.streaming(s.sinkTokens());
        if (spec instanceof SelectSpec.Custom c) return Plugins.require(Stage.SELECT, c.keyword(), c.args(), name, Selector.class);
        throw new UnsupportedVariantException(spec, name);
    }

    @Override public Merger merger(MergeSpec spec) {
        if (spec instanceof MergeSpec.Drop) return new DropMergeCl(cl);
        if (spec instanceof MergeSpec.Pivot) return new PivotMergeCl(cl);
        if (spec instanceof MergeSpec.Average a) return new AverageMergeCl(cl, a);
        if (spec instanceof MergeSpec.Weighted w) return new WeightedMergeCl(cl, w);
        if (spec instanceof MergeSpec.ValueMerge v) return new ValueMergeCl(cl, v);
        if (spec instanceof MergeSpec.Custom c) return Plugins.require(Stage.MERGE, c.keyword(), c.args(), name, Merger.class);
        throw new UnsupportedVariantException(spec, name);
    }

    @Override public void close() { cl.close(); }
}
