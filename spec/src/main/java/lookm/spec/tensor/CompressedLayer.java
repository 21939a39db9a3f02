package lookm.spec.tensor;

import java.util.List;

/** The compressed cache of one layer: one {@link HeadCompression} per KV head, over a layer of T tokens. */
public record CompressedLayer(List<HeadCompression> heads, int tokens, int headDim, TokenLayout layout) {
    public CompressedLayer {
        heads = List.copyOf(heads);
        for (int h = 0; h < heads.size(); h++) {
            HeadCompression c = heads.get(h);
            if (c.kept().length + c.evicted().length != tokens)
                throw new IllegalArgumentException("head " + h + ": kept " + c.kept().length + " + evicted " + c.evicted().length + " != T=" + tokens);
            if (c.keys().length != c.kept().length * headDim)
                throw new IllegalArgumentException("head " + h + ": keys have " + c.keys().length + " floats, expected C·D = " + c.kept().length * headDim);
        }
    }

    public HeadCompression head(int h) { return heads.get(h); }

    public int headCount() { return heads.size(); }

    /** Kept entries over all heads. */
    public long keptEntries() {
        long n = 0;
        for (HeadCompression c : heads) n += c.kept().length;
        return n;
    }

    /** The selection this layer was compressed with. */
    public Selection selection() {
        int[][] kept = new int[heads.size()][];
        for (int h = 0; h < kept.length; h++) kept[h] = heads.get(h).kept();
        return new Selection(kept, tokens);
    }
}
