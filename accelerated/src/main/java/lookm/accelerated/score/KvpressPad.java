package lookm.accelerated.score;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.accelerated.cl.ClProgram;
import lookm.spec.policy.Policies;

/**
 * kvpress_pad.cl: scale a scored prefix and pad the positions kvpress always keeps with the layer's max + 1 (the last
 * steps of KvpressSnapKvScoreCl and TovaScoreCl).
 */
final class KvpressPad {
    private KvpressPad() {}

    /**
     * @param in       (inRows, T) host scores. Not modified.
     * @param outRows  output rows; output row h sums input rows [h·sumRows, (h+1)·sumRows) (mod inRows)
     * @param prefix   scored positions [0, prefix); the rest are padded
     * @return (outRows, T)
     */
    static float[] apply(ClContext cl, float[] in, int inRows, int outRows, int sumRows, int tokens, int prefix, float scale) {
        ClProgram program = cl.program("kvpress_pad", "");
        long size = (long) outRows * tokens;
        try (ClBuffer input = cl.upload(in); ClBuffer scaled = cl.allocateFloats(size); ClBuffer max = cl.allocateFloats(1);
             ClBuffer out = cl.allocateFloats(size); ClKernel scale1 = program.kernel("scale_rows");
             ClKernel max1 = program.kernel("prefix_max"); ClKernel pad = program.kernel("pad_above_max")) {
            long[] grid = {tokens, outRows};
            scale1.arg(input).arg(inRows).arg(sumRows).arg(tokens).arg(prefix).arg(scale).arg(scaled).launch(grid, null);     // (a)
            max1.arg(scaled).arg(outRows).arg(tokens).arg(prefix).arg(max).launch(new long[] {1}, null);                     // (b)
            pad.arg(scaled).arg(max).arg(tokens).arg(prefix).arg(Policies.KVPRESS_PAD_ABOVE_MAX).arg(out).launch(grid, null); // (c)
            return out.readFloats((int) size);
        }
    }
}
