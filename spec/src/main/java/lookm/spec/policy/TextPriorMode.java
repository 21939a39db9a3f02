package lookm.spec.policy;

/** The two readings of LOOK-M's text prior. */
public enum TextPriorMode {
    /**
     * As the authors' released code: image and window scores get −65516 added in float32, top-N is taken over
     * the first T − R positions, and every position whose adjusted score is >= 0 is kept. So every text token
     * outside the window is kept whatever the budget: |kept| = R + max(N_text, N).
     */
    RELEASED,
    /** As the paper states: text ranks before images, then score; exactly N + R tokens are kept. */
    BUDGETED
}
