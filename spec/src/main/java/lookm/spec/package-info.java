/**
 * The LOOK-M testbed's domain: types, the policy pipeline and the invariants. Depends on the JDK only.
 *
 * <h2>Glossary (paper term → code name)</h2>
 * <ul>
 *   <li>accumulated attention (H2O score, column sums of the causal prefill attention) → {@code accumulatedAttention}</li>
 *   <li>heavy hitters (top-N by score) → {@code heavy}; N = floor(T · heavyRatio)</li>
 *   <li>recent window (last R positions, always kept) → {@code recentWindow}; R = floor(T · recentRatio)</li>
 *   <li>attention sinks (first positions) → {@code sinkTokens}</li>
 *   <li>text prior (text tokens rank before image tokens) → {@code textPrior}</li>
 *   <li>kept / evicted (never mask / ~mask) → {@code kept} / {@code evicted}</li>
 *   <li>pivot (the kept token an evicted token merges into) → {@code match} / {@code mergeTarget}</li>
 * </ul>
 * Shape order is always (heads, tokens, headDim), written (H, T, D); float32 storage, row-major.
 */
package lookm.spec;
