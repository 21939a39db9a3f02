package lookm.traces.write;

/**
 * The one place that registers the writers' cleanups for a JVM that is stopped (Ctrl-C, SIGTERM) before they
 * finish: staging directories, scratch copies, staging files. {@code kill -9} runs nothing; each writer's next run
 * removes what a dead process left ({@link AtomicDirectory#stagingName}).
 */
public final class ExitCleanup {
    private ExitCleanup() {}

    /** Runs {@code cleanup} if the JVM is stopped before {@link #cancel} is called with the returned hook. */
    public static Thread register(String name, Runnable cleanup) {
        Thread hook = new Thread(cleanup, name);
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    /**
     * Unregisters a hook once its writer finished.
     *
     * @return false when the JVM is already stopping (the hook runs, or ran, by itself) or it is the caller
     */
    public static boolean cancel(Thread hook) {
        if (hook == null || Thread.currentThread() == hook) return false;
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }
}
