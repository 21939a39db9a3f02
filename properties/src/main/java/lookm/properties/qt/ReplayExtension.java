package lookm.properties.qt;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Remembers which test method is running (the concrete class, also for default methods of a contract interface), so
 * that a failing property can print a replay command naming it. Registered with {@code @ExtendWith} on property
 * classes and on the contract interfaces.
 */
public final class ReplayExtension implements BeforeEachCallback, AfterEachCallback {
    /** Used when a property runs outside a JUnit test method (e.g. programmatically). */
    static final String UNKNOWN_TEST = "<the test that ran this property>";
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    @Override public void beforeEach(ExtensionContext context) {
        CURRENT.set(context.getRequiredTestClass().getSimpleName() + "#" + context.getRequiredTestMethod().getName());
    }

    @Override public void afterEach(ExtensionContext context) { CURRENT.remove(); }

    /** "Class#method" of the running test, or a placeholder. */
    public static String currentTest() {
        String test = CURRENT.get();
        return test != null ? test : UNKNOWN_TEST;
    }
}
