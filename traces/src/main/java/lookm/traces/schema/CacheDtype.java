package lookm.traces.schema;

import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;

/** Element type of the stored K/V and query vectors. Accumulated attention is always float32. */
public enum CacheDtype {
    /** IEEE 754 binary16, as LLaVA caches in half precision; widened to float32 on read. */
    FLOAT16("float16", FloatingPointPrecision.HALF, 2),
    /** IEEE 754 binary32, lossless round trip. */
    FLOAT32("float32", FloatingPointPrecision.SINGLE, 4);

    private final String label;
    private final FloatingPointPrecision precision;
    private final int bytes;

    CacheDtype(String label, FloatingPointPrecision precision, int bytes) {
        this.label = label;
        this.precision = precision;
        this.bytes = bytes;
    }

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
