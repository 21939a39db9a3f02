package lookm.bench.cli;

import lookm.spec.decode.DecodeSchedule;
import picocli.CommandLine.Option;

/**
 * Decode-phase streaming replay (SPEC.md §9): {@code --decode-every N --decode-cap C [--decode-recent R]}. Given, replay
 * streams the trace's generated tokens through the policy instead of compressing the prompt once ({@link DecodeReplayRun}).
 */
final class DecodeOptions {
    @Option(names = "--decode-every", paramLabel = "N",
            description = "Streaming replay of the trace's generated tokens (its decode part): compress each KV head's cache back to"
                    + " --decode-cap after every N generated tokens (kvpress DecodingPress' compression_interval); the prompt is compressed"
                    + " to the cap first. Replaces the one-shot budget (--budget etc.).")
    Integer every;

    @Option(names = "--decode-cap", paramLabel = "C",
            description = "Rows per KV head after each compression (kvpress DecodingPress' target_size); between compressions the"
                    + " cache holds at most C + N rows.")
    Integer cap;

    @Option(names = "--decode-recent", paramLabel = "R",
            description = "Recent window inside the cap: the budget is C - R heavy hitters + R recent (default C/2, as --budget's split).")
    Integer recent;

    /** True when a decode option was given (all of --decode-every and --decode-cap are then required). */
    boolean enabled() { return every != null || cap != null || recent != null; }

    /** @throws IllegalArgumentException naming the missing or bad option */
    DecodeSchedule schedule() {
        if (every == null || cap == null)
            throw new IllegalArgumentException("decode replay needs both --decode-every N and --decode-cap C (given: "
                    + (every == null ? "" : "--decode-every " + every) + (cap == null ? "" : " --decode-cap " + cap) + ")");
        return new DecodeSchedule(every, cap, recent != null ? recent : (int) (cap * BudgetOptions.DEFAULT_RECENT_SHARE));   // --budget's split
    }
}
