package lookm.bench.fidelity;

/**
 * Fidelity of one KV head (a head group: the G query heads that read it) in one layer.
 *
 * @param kvHead    KV head index h
 * @param mean      metrics averaged over the group's G query heads × P probes
 * @param kept      C, rows kept (possibly merged) for this head
 * @param keptText  kept positions whose modality is text
 * @param keptImage kept positions whose modality is image
 * @param merged    evicted positions folded into a kept row (mergeTarget >= 0)
 */
public record HeadFidelity(int kvHead, Metrics mean, int kept, int keptText, int keptImage, int merged) {}
