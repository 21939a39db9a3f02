package lookm.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntFunction;
import java.util.concurrent.Callable;
import lookm.bench.replay.Replay;
import lookm.spec.policy.Backend;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;
import lookm.traces.npy.NumpyExport;
import lookm.traces.npy.NumpyImport;
import lookm.traces.read.TraceInspector;
import lookm.traces.read.TraceReader;
import lookm.traces.read.TraceValidator;
import lookm.traces.read.ValidationReport;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceLayer;
import lookm.traces.synth.SynthConfig;
import lookm.traces.synth.SynthLayout;
import lookm.traces.synth.SyntheticTraceGenerator;
import lookm.traces.write.OutputGuard;
import lookm.traces.write.TraceWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lookm trace}: inspect, validate, synth, import and export traces (on the traces library). */
@Command(name = "trace", mixinStandardHelpOptions = true, description = "Trace tools: inspect, validate, synth, import, export.",
        subcommands = {TraceCommand.Inspect.class, TraceCommand.Validate.class, TraceCommand.Synth.class, TraceCommand.Import.class,
                TraceCommand.Export.class})
final class TraceCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing trace subcommand: inspect, validate, synth, import or export");
    }

    /** {@code lookm trace inspect DIR}. */
    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Shapes, layout runs, file sizes, attention share per modality.")
    static final class Inspect implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "TRACE", description = "Trace directory.") Path trace;

        @Override public Integer call() {
            spec.commandLine().getOut().print(TraceInspector.inspect(trace).render());
            return LookmCli.EXIT_OK;
        }
    }

    /** {@code lookm trace validate DIR}: exit 0 when valid, 2 with the first problem otherwise. */
    @Command(name = "validate", mixinStandardHelpOptions = true, description = "Check every file, column and layer of a trace.")
    static final class Validate implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "TRACE", arity = "1..*", description = "Trace directory; several are validated one after the other,"
                + " each verdict on its own line (a problem on stderr), exit 2 when any is invalid.") java.util.List<Path> traces;

        @Override public Integer call() {
            if (traces.size() == 1) {
                ValidationReport r = TraceValidator.validate(traces.get(0)).throwIfInvalid();
                spec.commandLine().getOut().println(r.message());
                return LookmCli.EXIT_OK;
            }
            int code = LookmCli.EXIT_OK;
            for (Path trace : traces) {
                ValidationReport r = TraceValidator.validate(trace);
                if (r.valid()) {
                    spec.commandLine().getOut().println(r.message());
                } else {
                    spec.commandLine().getErr().println("lookm trace validate: " + r.message());
                    code = LookmCli.EXIT_BAD_INPUT;
                }
            }
            return code;
        }
    }

    /** {@code lookm trace synth}: a seeded synthetic trace, streamed to disk layer by layer. */
    @Command(name = "synth", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Generate a synthetic trace (a text/image prompt with LLaVA-like structure, or a current-VLM layout with --layout).")
    static final class Synth implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Trace directory to write.") Path out;
        @Option(names = "--overwrite", description = "Replace an existing trace directory that lookm wrote.") boolean overwrite;
        @Option(names = "--preset", paramLabel = "NAME", description = "small (default: 2 layers, 4 heads, D=64) or llava-7b (32 layers, 32 heads, D=128).")
        String preset = "small";
        @Option(names = "--layers", description = "L (overrides the preset).") Integer layers;
        @Option(names = "--heads", description = "Hq query heads (overrides the preset).") Integer heads;
        @Option(names = "--kv-heads", description = "Hkv KV heads (default: = --heads).") Integer kvHeads;
        @Option(names = "--head-dim", description = "D (overrides the preset).") Integer headDim;
        @Option(names = "--tokens", paramLabel = "T", description = "Total prompt length T (default 864 = 32 + 576 + 256).") int tokens = 864;
        @Option(names = "--images", description = "Images in the prompt (default 1).") int images = 1;
        @Option(names = "--tokens-per-image", description = "Tokens per image (default 576, LLaVA-1.5).")
        int tokensPerImage = SynthConfig.Builder.LLAVA_TOKENS_PER_IMAGE;
        @Option(names = "--text-before", description = "Text tokens before the first image (default 32).") int textBefore = 32;
        @Option(names = "--text-between", description = "Text tokens between images (default 16).") int textBetween = 16;
        @Option(names = "--prefill-queries", paramLabel = "W", description = "Last prefill queries stored (default 32).") int window = 32;
        @Option(names = "--probes", paramLabel = "P", description = "Decode probe queries stored (default 16).") int probes = 16;
        @Option(names = "--decode", description = "Also store the decode part: keys and values of the P probe positions as generated"
                + " text tokens (decode.arrow), for 'lookm replay --decode-every'.") boolean decode;
        @Option(names = "--dtype", description = "float16 (default) or float32.") String dtype = "float16";
        @Option(names = "--attention-stride", paramLabel = "S", description = "Accumulated attention from every S-th query row (1 = exact,"
                + " default; use 32-64 for 8k-token traces).") int stride = 1;
        @Option(names = "--seed", description = "Seed (default 0).") long seed;
        @Option(names = "--layout", paramLabel = "NAME", description = "qwen2-vl, anyres or video: that VLM layout (tiles, frames, "
                + "special tokens, RoPE positions; a v2 trace), between --text-before and the rest of --tokens as text after.")
        String layout;
        @Option(names = "--model", description = "Model name written into the metadata.") String model;
        @Option(names = "--quiet", description = "No progress bar.") boolean quiet;

        @Override public Integer call() {
            SynthConfig config = config();
            SyntheticTraceGenerator generator = new SyntheticTraceGenerator(config);
            PrintWriter print = spec.commandLine().getOut();
            Path written;
            try (TraceWriter w = TraceWriter.create(out, generator.metadata(), generator.layout(), generator.tokenIds(), overwrite);
                 Progress progress = Progress.start("synth", config.layers(), spec.commandLine().getErr(), quiet)) {
                for (TraceLayer layer : generator.layers()) {
                    w.write(layer);
                    progress.step();
                }
                written = w.commit();
            }
            print.printf("wrote %s: %s, T=%d, L=%d, Hq=%d, Hkv=%d, D=%d, %s, %.1f MiB of K/V%n", written, config.modelName(), config.tokens(),
                    config.layers(), config.queryHeads(), config.kvHeads(), config.headDim(), config.dtype().label(),
                    generator.metadata().kvBytes() / (double) (1 << 20));
            return LookmCli.EXIT_OK;
        }

        SynthConfig config() {
            int[] shape = switch (preset) {
                case "small" -> new int[] {2, 4, 64};
                case "llava-7b" -> new int[] {32, 32, 128};
                default -> throw new IllegalArgumentException("--preset must be small or llava-7b, was '" + preset + "'");
            };
            int l = layers != null ? layers : shape[0], h = heads != null ? heads : shape[1], d = headDim != null ? headDim : shape[2];
            CacheDtype type = CacheDtype.fromLabel(dtype);
            if (type == null) throw new IllegalArgumentException("--dtype must be float16 or float32, was '" + dtype + "'");
            SynthConfig.Builder b = SynthConfig.builder().shape(l, h, kvHeads != null ? kvHeads : h, d).dtype(type)
                    .prefillQueries(Math.min(window, tokens)).probes(probes).attentionStride(stride).seed(seed).decode(decode);
            if (layout != null) {
                int visual = SynthLayout.of(layout, 0, 0).layout().size();
                if (textBefore + visual > tokens)
                    throw new IllegalArgumentException("--tokens " + tokens + " is too small for --layout " + layout + " (" + visual
                            + " tokens) plus " + textBefore + " text tokens before it (needs >= " + (textBefore + visual) + ")");
                return b.modelName(model != null ? model : "synthetic-" + layout)
                        .preset(SynthLayout.of(layout, textBefore, tokens - textBefore - visual)).build();
            }
            if (images < 0) throw new IllegalArgumentException("--images must be >= 0, was " + images);
            int[] runs = new int[images + 1];
            runs[0] = images == 0 ? tokens : textBefore;
            for (int i = 1; i < images; i++) runs[i] = textBetween;
            if (images > 0) {
                long used = textBefore + (long) textBetween * (images - 1) + (long) images * tokensPerImage;
                if (used > tokens) throw new IllegalArgumentException("--tokens " + tokens + " is too small for " + images + " images of "
                        + tokensPerImage + " tokens plus " + textBefore + " text tokens before them (needs >= " + used + ")");
                runs[images] = (int) (tokens - used);
            }
            return b.modelName(model != null ? model : "synthetic-" + preset).images(tokensPerImage, runs).build();
        }
    }

    /** {@code lookm trace import}: a trace from NumPy arrays (.npz or a directory of .npy; see traces/FORMAT.md). */
    @Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false, description = "Import a trace from .npz / a directory of .npy files.")
    static final class Import implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--from", required = true, paramLabel = "SRC", description = ".npz file or directory of .npy files.") Path from;
        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Trace directory to write.") Path out;
        @Option(names = "--overwrite", description = "Replace an existing trace directory that lookm wrote.") boolean overwrite;
        @Option(names = "--model", required = true, description = "Model name, e.g. llava-hf/llava-1.5-7b-hf.") String model;
        @Option(names = "--rope-base", description = "RoPE base (default 10000).") double ropeBase = 10_000.0;
        @Option(names = "--tokens-per-image", description = "Tokens per image (default: inferred).") int tokensPerImage = -1;
        @Option(names = "--dtype", description = "float16 or float32 (default: float16 for float16 keys, else float32).") String dtype;

        @Override public Integer call() {
            CacheDtype type = null;
            if (dtype != null && (type = CacheDtype.fromLabel(dtype)) == null)
                throw new IllegalArgumentException("--dtype must be float16 or float32, was '" + dtype + "'");
            Path written = NumpyImport.importTrace(from, out, new NumpyImport.Options(model, ropeBase, tokensPerImage, type), overwrite);
            spec.commandLine().getOut().println("wrote " + written);
            return LookmCli.EXIT_OK;
        }
    }

    /** {@code lookm trace export}: one layer compressed by a policy (kept positions, merged K/V) as NumPy arrays. */
    @Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Compress one layer with a policy and write kept positions and merged K/V as .npz (or a directory of .npy).")
    static final class Export implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--trace", required = true, paramLabel = "DIR", description = "Trace directory.") Path trace;
        @Option(names = "--layer", description = "Layer (default 0).") int layer;
        @Option(names = "--policy", required = true, paramLabel = "NAME", description = "Policy name or expression (see 'lookm policies').") String policy;
        @Mixin BudgetOptions budget;
        @Mixin AllocationOptions allocation;
        @Mixin ScoreOptions scores;
        @Mixin ExternalScoreOptions external;
        @Mixin BackendOptions backend;
        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output: a path ending in .npz, or a directory for .npy files.")
        Path out;
        @Option(names = "--overwrite", description = "Replace an existing output.") boolean overwrite;

        @Override public Integer call() {
            PolicySpec p = allocation.apply(external.apply(scores.apply(PolicyArgs.one(policy))));
            Budget b = budget.budget();
            budget.warnIneffective("trace export", spec, spec.commandLine().getErr());
            List<Path> inputs = Runs.inputs(trace, external);
            OutputGuard.requireApartFromInputs(out, inputs);
            try (TraceReader reader = Runs.openTrace(trace); Backend be = backend.open()) {
                Runs.requireKeepsTokens(b, reader.metadata().tokens(), budget.describe(), trace);
                if (layer < 0 || layer >= reader.metadata().layers())
                    throw new IllegalArgumentException("--layer must be in [0, " + reader.metadata().layers() + ") for " + reader.path() + ", was " + layer);
                LayerContext at = new LayerContext(layer, reader.metadata().layers(), Replay.profile(reader, p.allocate()));
                TraceLayer l = reader.layer(layer);
                IntFunction<Scores> externalScores = external.layers(reader);
                Observation observation = externalScores == null ? l.observation() : l.observation().withExternal(externalScores.apply(layer));
                CompressedLayer compressed = be.compressor(p).compress(l.block(), observation, b, at);
                Path written = NumpyExport.compressedLayer(compressed, out, overwrite, inputs);
                Budget.Resolved asked = b.resolve(l.block().tokens());
                long requested = (long) compressed.headCount() * (asked.coversCache() ? compressed.tokens() : asked.total());
                spec.commandLine().getOut().printf("wrote %s: layer %d of %s compressed by %s (%s, allocation %s, %s), kept %d of %d entries"
                                + " (requested %d)%n", written, layer, reader.path(), p.name(), b, p.allocate(), be.name(), compressed.keptEntries(),
                        (long) compressed.headCount() * compressed.tokens(), requested);
            }
            return LookmCli.EXIT_OK;
        }
    }
}
