package lookm.traces.synth;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceSchema;

/**
 * The bundled sample trace, the app's default input: a synthetic LLaVA-1.5-like prompt (one 576-token image
 * between text runs, T = 864), 4 layers, 8 query heads on 4 KV heads (GQA), D = 64, float16, the last 32 prefill
 * queries and 16 decode probes; about 4 MB. It is {@link #CONFIG} generated from its seed; SampleTraceTest checks
 * that regenerating it gives the committed bytes. Regenerate with
 * {@code java -cp ... lookm.traces.synth.SampleTrace traces/src/main/resources/lookm/traces/sample}.
 */
public final class SampleTrace {
    private SampleTrace() {}

    /** Classpath folder of the sample's files. */
    public static final String RESOURCE_DIR = "lookm/traces/sample/";
    /** Its files (no queries.arrow-less variant: every part is present). */
    public static final List<String> FILES = List.of(TraceSchema.LAYOUT_FILE, TraceSchema.KV_FILE, TraceSchema.ATTENTION_FILE,
            TraceSchema.QUERIES_FILE, TraceSchema.PROBES_FILE, TraceSchema.INTEGRITY_FILE);
    private static final long SEED = 42L;
    private static final int LAYERS = 4, QUERY_HEADS = 8, KV_HEADS = 4, HEAD_DIM = 64;
    private static final int TEXT_BEFORE = 32, TEXT_AFTER = 256, WINDOW = 32, PROBES = 16;

    public static final SynthConfig CONFIG = SynthConfig.builder().modelName("synthetic-llava-1.5-like")
            .shape(LAYERS, QUERY_HEADS, KV_HEADS, HEAD_DIM).dtype(CacheDtype.FLOAT16)
            .images(SynthConfig.Builder.LLAVA_TOKENS_PER_IMAGE, TEXT_BEFORE, TEXT_AFTER)
            .prefillQueries(WINDOW).probes(PROBES).seed(SEED).build();

    /** Copies the bundled sample from the classpath into the new directory {@code target}; returns it. */
    public static Path extractTo(Path target) {
        try {
            Files.createDirectories(target);
            for (String f : FILES) {
                try (InputStream in = SampleTrace.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + f)) {
                    if (in == null) throw new IllegalStateException("the bundled sample trace is missing " + RESOURCE_DIR + f);
                    Files.copy(in, target.resolve(f));
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the sample trace to " + target, e);
        }
    }

    /** Extracts the sample into a new temporary directory (the caller deletes it when done). */
    public static Path extractToTemp() {
        try {
            return extractTo(Files.createTempDirectory("lookm-sample-").resolve("sample"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the sample trace", e);
        }
    }

    /** Regenerates the sample into args[0] (replacing it). */
    public static void main(String[] args) {
        if (args.length != 1) throw new IllegalArgumentException("usage: SampleTrace <output directory>");
        new SyntheticTraceGenerator(CONFIG).write(Path.of(args[0]), true);
    }
}
