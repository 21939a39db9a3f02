package lookm.properties;

import static org.junit.jupiter.api.Assertions.assertTrue;

import lookm.properties.gen.CacheCases;
import lookm.properties.gen.CaseClass;
import lookm.properties.gen.Coverage;
import lookm.properties.gen.Limits;
import lookm.properties.qt.ReplayExtension;
import lookm.properties.qt.Theories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The generators keep producing every interesting class of case: shapes, layouts, scores, keys and budgets. */
@ExtendWith(ReplayExtension.class)
class GeneratorCoverageProperties {
    /** Coverage is measured over more cases than a property uses, so that floors are stable. */
    static final double COVERAGE_SCALE = 10;

    @Test
    void everyCaseClassStaysAboveItsFloor() {
        Coverage coverage = new Coverage(CaseClass.STANDARD);
        Theories.check(COVERAGE_SCALE, CacheCases.any(Limits.DEFAULT), coverage::record);
        assertTrue(coverage.belowFloor().isEmpty(), () -> "generator coverage below floor:\n  " + String.join("\n  ", coverage.belowFloor())
                + "\nall classes:\n" + coverage.table());
    }

    @Test
    void theOpenClLimitsStillCoverEveryClass() {
        Coverage coverage = new Coverage(CaseClass.STANDARD);
        Theories.check(COVERAGE_SCALE, CacheCases.any(Limits.OPENCL), coverage::record);
        assertTrue(coverage.belowFloor().isEmpty(), () -> "generator coverage below floor:\n  " + String.join("\n  ", coverage.belowFloor())
                + "\nall classes:\n" + coverage.table());
    }
}
