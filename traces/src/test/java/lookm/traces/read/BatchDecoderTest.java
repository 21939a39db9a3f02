package lookm.traces.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ShortBuffer;
import org.apache.arrow.memory.util.Float16;
import org.junit.jupiter.api.Test;

/** The bulk float16 widening gives Arrow's {@link Float16#toFloat} bit for bit, and its fused check finds every non-finite half. */
class BatchDecoderTest {
    private static final int PATTERNS = 1 << Short.SIZE;

    @Test
    void widensEveryHalfPatternExactlyAsArrowDoes() {
        short[] halves = new short[PATTERNS];
        for (int h = 0; h < PATTERNS; h++) halves[h] = (short) h;
        float[] out = new float[PATTERNS + 3];
        BatchDecoder.widen(ShortBuffer.wrap(halves), out, 3, PATTERNS);               // at an offset, across several chunks
        for (int h = 0; h < PATTERNS; h++) {
            int pattern = h;
            assertEquals(Float.floatToRawIntBits(Float16.toFloat((short) h)), Float.floatToRawIntBits(out[3 + h]), () -> "half 0x" + Integer.toHexString(pattern));
        }
    }

    @Test
    void theFusedCheckIsFalseExactlyWhenSomeHalfIsNotFinite() {
        for (int h = 0; h < PATTERNS; h++) {
            short[] halves = {0x3C00, (short) h, 0x4000};                               // 1, the pattern, 2
            boolean finite = BatchDecoder.widen(ShortBuffer.wrap(halves), new float[3], 0, 3);
            assertEquals(Float.isFinite(Float16.toFloat((short) h)), finite, "half 0x" + Integer.toHexString(h));
        }
        assertTrue(BatchDecoder.widen(ShortBuffer.wrap(new short[0]), new float[0], 0, 0), "nothing to check");
        assertFalse(BatchDecoder.widen(ShortBuffer.wrap(new short[] {(short) 0xFC00}), new float[1], 0, 1), "-Inf");
    }
}
