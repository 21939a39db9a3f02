package lookm.spec.policy;

/** Pooling of window scores over neighbouring positions (SnapKV). */
public enum Pooling {
    /** Mean over the kernel with zero padding, always divided by the kernel size (count_include_pad). */
    AVG,
    /** Maximum over the in-range neighbours. */
    MAX
}
