package lookm.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;

import lookm.properties.contract.HalfPrecision;
import org.junit.jupiter.api.Test;

/** The binary16 oracle of the trace round trip, on the values where rounding is easy to get wrong. */
class HalfPrecisionTest {
    @Test
    void tiesRoundToEven() {
        assertEquals(1f, HalfPrecision.round(1f + 0x1.0p-11f));                       // halfway 1 and 1 + 2^-10: even is 1
        assertEquals(1f + 0x1.0p-9f, HalfPrecision.round(1f + 3 * 0x1.0p-11f));       // halfway: even is 1 + 2^-9
    }

    @Test
    void theEdgesOfTheRangeRoundToMaxOrInfinity() {
        assertEquals(65504f, HalfPrecision.round(65519.99f));
        assertEquals(Float.POSITIVE_INFINITY, HalfPrecision.round(65520f));
        assertEquals(Float.NEGATIVE_INFINITY, HalfPrecision.round(-70000f));
    }

    @Test
    void subnormalsUseTheFixedSpacingOfTwoToTheMinus24() {
        assertEquals(0f, HalfPrecision.round(0x1.0p-25f));                            // halfway 0 and 2^-24: even is 0
        assertEquals(0x1.0p-23f, HalfPrecision.round(3 * 0x1.0p-25f));                // halfway 2^-24 and 2^-23: even is 2^-23
        assertEquals(-0f, HalfPrecision.round(-0x1.0p-30f));
        assertEquals(5 * 0x1.0p-24f, HalfPrecision.round(5 * 0x1.0p-24f + 0x1.0p-27f));
    }
}
