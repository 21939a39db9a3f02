package lookm.traces.schema;

import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;

/** Element type of the stored K/V and query vectors. Accumulated attention is always float32. */
public enum CacheDtype {
    /** IEEE 754 binary16, as LLaVA caches in half precision; widened to float32 on read. */
    FLOAT16("float16", FloatingPointPrecision.HALF, 2, 0x1p-11, 0x1p-24),
    /** IEEE 754 binary32, lossless round trip. */
    FLOAT32("float32", FloatingPointPrecision.SINGLE, 4, 0x1p-24, Float.MIN_VALUE);

    private final String label;
    private final FloatingPointPrecision precision;
    private final int bytes;
    private final double unitRoundoff;
    private final double smallestSubnormal;

    CacheDtype(String label, FloatingPointPrecision precision, int bytes, double unitRoundoff, double smallestSubnormal) {
        this.label = label;
        this.precision = precision;
        this.bytes = bytes;
        this.unitRoundoff = unitRoundoff;
        this.smallestSubnormal = smallestSubnormal;
    }

    /** u: the largest relative error of rounding a normal number to this type (half an ulp of 1: 2^-11, 2^-24). */
    public double unitRoundoff() { return unitRoundoff; }

    /** η: the spacing of the subnormals (2^-24, 2^-149); rounding below the normal range errs by up to η/2 absolute. */
    public double smallestSubnormal() { return smallestSubnormal; }

    /** The name written in metadata and FORMAT.md ("float16", "float32"). */
    public String label() { return label; }

    /** Bytes per element. */
    public int bytes() { return bytes; }

    public ArrowType.FloatingPoint arrowType() { return new ArrowType.FloatingPoint(precision); }

    /** Parses a metadata value; null when unknown. */
    public static CacheDtype fromLabel(String label) {
        for (CacheDtype d : values()) if (d.label.equals(label)) return d;
        return null;
    }
}
