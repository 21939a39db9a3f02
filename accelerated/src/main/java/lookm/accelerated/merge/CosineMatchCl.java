package lookm.accelerated.merge;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.accelerated.cl.ClProgram;

/**
 * OpenCL twin of {@code lookm.reference.merge.CosineMatch}; steps (1)-(2) match it (cosine_match.cl): the cosine
 * of each evicted key to each kept key of its head (normalized in float32, zero-norm keys give 0) and its argmax,
 * ties to the lowest kept index, for all heads at once in register tiles (never the (P, C) matrix).
 */
public final class CosineMatchCl {
    private static final String FILE = "merge/cosine_match";

    /** Per head and evicted slot (H, evictedStride): the kept index of the match (−1 if none) and its cosine (NaN then). */
    record Matches(ClBuffer index, ClBuffer similarity) implements AutoCloseable {
        @Override public void close() {
            index.close();
            similarity.close();
        }
    }

    private CosineMatchCl() {}

    static Matches compute(ClContext cl, DeviceLayer layer) {
        ClProgram program = cl.program(FILE, cl.tiling().options(layer.dim));
        ClBuffer index = cl.allocateInts((long) layer.heads * layer.evictedStride);
        ClBuffer similarity = cl.allocateFloats((long) layer.heads * layer.evictedStride);
        try (ClBuffer keptKeys = cl.allocateFloats((long) layer.heads * layer.keptStride * layer.dim);
             ClBuffer evictedKeysT = cl.allocateFloats((long) layer.heads * layer.evictedStride * layer.dim);
             ClKernel rows = program.kernel("normalize_gather_rows");
             ClKernel transposed = program.kernel("normalize_gather_transposed");
             ClKernel argmax = program.kernel("cosine_argmax")) {
            // (1) normalize(K[kept]) (H, C, D) and normalize(K[evicted])ᵀ (H, D, P)
            rows.arg(layer.keys()).arg(layer.tokens).arg(layer.keptPositions).arg(layer.keptCounts).arg(layer.keptStride).arg(keptKeys)
                    .launch(new long[] {layer.keptStride, layer.heads}, null);
            transposed.arg(layer.keys()).arg(layer.tokens).arg(layer.evictedPositions).arg(layer.evictedCounts).arg(layer.evictedStride)
                    .arg(evictedKeysT).launch(new long[] {layer.evictedStride, layer.heads}, null);
            // (1)+(2) U = Ê·K̂ᵀ tile by tile, match[s] = argmax_r U[s, r] (lowest r on ties), m[s] = U[s, match[s]]
            argmax.arg(evictedKeysT).arg(layer.evictedStride).arg(layer.evictedCounts).arg(keptKeys).arg(layer.keptStride)
                    .arg(layer.keptCounts).arg(index).arg(similarity)
                    .launch(new long[] {layer.evictedStride / cl.tiling().lanes(), layer.heads}, null);
            cl.finish();
        } catch (RuntimeException e) {
            index.close();
            similarity.close();
            throw e;
        }
        return new Matches(index, similarity);
    }
}
