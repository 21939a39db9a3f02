package lookm.reference.merge;

/**
 * Which kept row each evicted token is added into (−1: not merged) and with what coefficient, for one head.
 *
 * @param target per evicted token, a kept index or −1
 * @param weight per evicted token, the coefficient w of its row; 0 when not merged
 */
public record Assignment(int[] target, float[] weight) {}
