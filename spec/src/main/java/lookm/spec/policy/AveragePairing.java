package lookm.spec.policy;

/** Which evicted rows the average merge adds into which kept rows. */
public enum AveragePairing {
    /** Each (filtered) evicted token is added into its own match (paper Eq. 10). */
    CORRECT,
    /**
     * The released code's quirk: targets are the matches of the filtered slots f_1 < … < f_|F|, but the rows
     * added are the first |F| evicted tokens e_1 … e_|F| (unfiltered), so target t(f_q) receives row e_q.
     */
    RELEASED_MISPAIRED
}
