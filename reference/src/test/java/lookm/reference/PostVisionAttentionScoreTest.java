package lookm.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.TokenLayout;
import org.junit.jupiter.api.Test;

/** VL-Cache post-vision attention (SPEC.md §2.9) against a brute-force softmax over the rows it should read. */
class PostVisionAttentionScoreTest {
    static final int T = 8, D = 2, HQ = 2, HKV = 1, FIRST_ROW = 3, ROWS = T - FIRST_ROW;
    static final long SEED = 13;

    static float[] random(int n, Random r) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = r.nextInt(9) - 4;
        return a;
    }

    /** s[j] = Σ_q Σ_{rows r used} softmax_{j ≤ p_r}(q·k_j/√D), in double, by plain loops. */
    static double[] bruteForce(float[] keys, float[] queries, int[] rowsUsed) {
        double[] s = new double[T];
        for (int q = 0; q < HQ; q++)
            for (int r : rowsUsed) {
                int p = FIRST_ROW + r;
                double[] z = new double[p + 1];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j <= p; j++) {
                    for (int d = 0; d < D; d++) z[j] += (double) queries[(q * ROWS + r) * D + d] * keys[j * D + d];
                    z[j] /= Math.sqrt(D);
                    max = Math.max(max, z[j]);
                }
                for (int j = 0; j <= p; j++) sum += Math.exp(z[j] - max);
                for (int j = 0; j <= p; j++) s[j] += Math.exp(z[j] - max) / sum;
            }
        return s;
    }

    static Scores score(TokenLayout layout, float[] keys, float[] queries) {
        KvBlock block = new KvBlock(keys, keys.clone(), HKV, T, D, layout);
        Observation o = new Observation(new AccumulatedAttention(new float[HQ * T], HQ, T), Queries.contiguous(queries, HQ, D, FIRST_ROW, ROWS), null);
        return new ReferenceBackend().scorer(new ScoreSpec.PostVisionAttention()).score(block, o, Budget.counts(2, 1));
    }

    @Test
    void onlyTheTextRowsAfterTheLastVisualTokenVote() {
        Random r = new Random(SEED);
        float[] keys = random(T * D, r), queries = random(HQ * ROWS * D, r);
        // text 0-1, image 2-4, text 5-7: rows at positions 5, 6, 7 (row indices 2, 3, 4 of the window 3..7)
        Scores s = score(TokenLayout.builder().text(2).image(3).text(3).build(), keys, queries);
        double[] expected = bruteForce(keys, queries, new int[] {2, 3, 4});
        for (int j = 0; j < T; j++) assertEquals(expected[j], s.at(0, j), 1e-6, "position " + j);
    }

    @Test
    void everyRowVotesWhenTheWindowEndsInsideAnImage() {
        Random r = new Random(SEED + 1);
        float[] keys = random(T * D, r), queries = random(HQ * ROWS * D, r);
        Scores s = score(TokenLayout.builder().text(4).image(4).build(), keys, queries);
        double[] expected = bruteForce(keys, queries, new int[] {0, 1, 2, 3, 4});
        for (int j = 0; j < T; j++) assertEquals(expected[j], s.at(0, j), 1e-6, "position " + j);
    }

    @Test
    void aTraceWithoutPrefillQueriesIsRefusedNamingTheScorer() {
        KvBlock block = new KvBlock(new float[T * D], new float[T * D], HKV, T, D, TokenLayout.allText(T));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ReferenceBackend()
                .scorer(new ScoreSpec.PostVisionAttention()).score(block, Observation.none(), Budget.counts(2, 1)));
        assertTrue(e.getMessage().contains("post-vision attention needs prefill queries"), e.getMessage());
    }
}
