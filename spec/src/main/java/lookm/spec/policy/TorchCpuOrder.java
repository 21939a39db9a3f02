package lookm.spec.policy;

/**
 * The order in which PyTorch 1.13 on the CPU returns {@code topk(x, k)} and {@code argsort(x, descending=True)} of a
 * float32 vector, ties included (SPEC.md §3, "Tie order"). Written from the documented behaviour of the C++
 * standard-library routines torch calls (GNU libstdc++): the result depends only on which elements the routines
 * compare and swap, so a faithful emulation must make the same comparisons and swaps in the same order.
 *
 * <ul>
 *   <li>Elements are (value, index) pairs laid out in index order; the comparator reads the value only:
 *       x ranks before y iff (x is NaN and y is not) or x &gt; y (NaN largest).</li>
 *   <li>{@code topk(x, k)}, n = |x|: if k·64 ≤ n, {@code std::partial_sort(first, first + k, last)} (heap select
 *       then heap sort); otherwise {@code std::nth_element(first, first + k − 1, last)} (introselect) followed, as
 *       torch sorts its result, by {@code std::sort(first, first + k − 1)}, which leaves element k − 1 in place.</li>
 *   <li>{@code argsort(x, descending=True)}: {@code std::sort} (unstable introsort: median-of-three quicksort down to
 *       runs of 16, a heap sort when the depth limit 2·⌊log₂ n⌋ is spent, then one insertion sort pass).</li>
 * </ul>
 *
 * Verified element for element against Debian's {@code python3-torch} 1.13.1 on thousands of tie-heavy vectors with
 * NaN ({@code TorchCpuOrderTest}). Pure functions; inputs are not modified.
 */
public final class TorchCpuOrder {
    /** libstdc++ {@code _S_threshold}: introsort and introselect stop partitioning runs this short or shorter. */
    static final int SORT_RUN = 16;
    /** Introselect partitions while the range is longer than this, then insertion-sorts it. */
    static final int SELECT_RUN = 3;
    /** torch topk uses partial_sort when k · this ≤ n, nth_element + sort otherwise. */
    static final int PARTIAL_SORT_RATIO = 64;

    private final float[] value;
    private final int[] index;

    private TorchCpuOrder(float[] values) {
        value = values.clone();
        index = new int[values.length];
        for (int i = 0; i < index.length; i++) index[i] = i;
    }

    /**
     * Indices of {@code torch.topk(values, k)} (largest, sorted), in the order torch returns them.
     *
     * @param values the vector, by index. Not modified.
     */
    public static int[] topk(float[] values, int k) {
        int n = values.length;
        if (k < 0 || k > n) throw new IllegalArgumentException("topk: k must be in [0, " + n + "], was " + k);
        TorchCpuOrder q = new TorchCpuOrder(values);
        if (k == 0) return new int[0];
        if ((long) k * PARTIAL_SORT_RATIO <= n) {
            q.heapSelect(0, k, n);                 // (1a) std::partial_sort = heap select ...
            q.sortHeap(0, k);                      //      ... then sort the heap
        } else {
            q.nthElement(0, k - 1, n);             // (1b) std::nth_element at k − 1 ...
            q.sort(0, k - 1);                      //      ... then std::sort of the first k − 1
        }
        return java.util.Arrays.copyOf(q.index, k);
    }

    /**
     * Indices of {@code torch.argsort(values, descending=True)} (unstable {@code std::sort}).
     *
     * @param values the vector, by index. Not modified.
     */
    public static int[] argsortDescending(float[] values) {
        TorchCpuOrder q = new TorchCpuOrder(values);
        q.sort(0, values.length);
        return q.index;
    }

    /** The comparator: x ranks before y (NaN largest, then larger value). */
    static boolean before(float x, float y) { return (Float.isNaN(x) && !Float.isNaN(y)) || x > y; }

    private boolean before(int a, int b) { return before(value[a], value[b]); }

    private void swap(int a, int b) {
        float v = value[a];
        value[a] = value[b];
        value[b] = v;
        int i = index[a];
        index[a] = index[b];
        index[b] = i;
    }

    private void move(int from, int to) {
        value[to] = value[from];
        index[to] = index[from];
    }

    private static int log2(int n) { return 31 - Integer.numberOfLeadingZeros(n); }

    // ---- std::sort: introsort loop, then a final insertion sort ----

    private void sort(int first, int last) {
        if (last - first < 1) return;
        introsortLoop(first, last, 2 * log2(last - first));
        finalInsertionSort(first, last);
    }

    /** Partition until every run is at most SORT_RUN long; a range that exhausts the depth is heap-sorted. */
    private void introsortLoop(int first, int last, int depth) {
        while (last - first > SORT_RUN) {
            if (depth == 0) {
                heapSelect(first, last, last);
                sortHeap(first, last);
                return;
            }
            depth--;
            int cut = partitionAroundMedian(first, last);
            introsortLoop(cut, last, depth);          // right part recursively, left part by the loop
            last = cut;
        }
    }

    /** The median of (first + 1, middle, last − 1) is moved to first and used as the pivot of [first + 1, last). */
    private int partitionAroundMedian(int first, int last) {
        int middle = first + (last - first) / 2;
        medianToFirst(first, first + 1, middle, last - 1);
        return partition(first + 1, last, first);
    }

    private void medianToFirst(int result, int a, int b, int c) {
        if (before(a, b)) {
            if (before(b, c)) swap(result, b);
            else if (before(a, c)) swap(result, c);
            else swap(result, a);
        } else if (before(a, c)) swap(result, a);
        else if (before(b, c)) swap(result, c);
        else swap(result, b);
    }

    /** Hoare partition without bounds checks (the pivot and the median-of-three guarantee sentinels). */
    private int partition(int first, int last, int pivot) {
        while (true) {
            while (before(first, pivot)) first++;
            last--;
            while (before(pivot, last)) last--;
            if (first >= last) return first;
            swap(first, last);
            first++;
        }
    }

    private void finalInsertionSort(int first, int last) {
        if (last - first > SORT_RUN) {
            insertionSort(first, first + SORT_RUN);
            for (int i = first + SORT_RUN; i < last; i++) linearInsert(i);   // the first run is a sentinel
        } else {
            insertionSort(first, last);
        }
    }

    /** Insertion sort: an element ranking before the first is rotated to the front, others walk left. */
    private void insertionSort(int first, int last) {
        if (first == last) return;
        for (int i = first + 1; i < last; i++) {
            if (before(i, first)) {
                float v = value[i];
                int ix = index[i];
                System.arraycopy(value, first, value, first + 1, i - first);
                System.arraycopy(index, first, index, first + 1, i - first);
                value[first] = v;
                index[first] = ix;
            } else {
                linearInsert(i);
            }
        }
    }

    /** Walk element {@code at} left while it ranks before its left neighbour (a sentinel stops the walk). */
    private void linearInsert(int at) {
        float v = value[at];
        int ix = index[at];
        int next = at - 1;
        while (before(v, value[next])) {
            move(next, at);
            at = next;
            next--;
        }
        value[at] = v;
        index[at] = ix;
    }

    // ---- std::nth_element: introselect ----

    private void nthElement(int first, int nth, int last) {
        if (first == last || nth == last) return;
        int depth = 2 * log2(last - first);
        while (last - first > SELECT_RUN) {
            if (depth == 0) {
                heapSelect(first, nth + 1, last);
                swap(first, nth);
                return;
            }
            depth--;
            int cut = partitionAroundMedian(first, last);
            if (cut <= nth) first = cut;
            else last = cut;
        }
        insertionSort(first, last);
    }

    // ---- binary heap on [first, last), the heap top ranks last under the comparator ----

    /** Make [first, middle) a heap, then every element of [middle, last) that ranks before its top replaces it. */
    private void heapSelect(int first, int middle, int last) {
        makeHeap(first, middle);
        for (int i = middle; i < last; i++)
            if (before(i, first)) popHeap(first, middle, i);
    }

    private void makeHeap(int first, int last) {
        int length = last - first;
        if (length < 2) return;
        for (int parent = (length - 2) / 2; ; parent--) {
            adjustHeap(first, parent, length, value[first + parent], index[first + parent]);
            if (parent == 0) return;
        }
    }

    /** Repeatedly move the heap top behind the shrinking heap. */
    private void sortHeap(int first, int last) {
        while (last - first > 1) {
            last--;
            popHeap(first, last, last);
        }
    }

    /** The top goes to {@code result}; the element that was there sifts into the heap [first, last). */
    private void popHeap(int first, int last, int result) {
        float v = value[result];
        int ix = index[result];
        move(first, result);
        adjustHeap(first, 0, last - first, v, ix);
    }

    /** Sift the hole at {@code hole} down to a leaf along the larger children, then push (v, ix) up from there. */
    private void adjustHeap(int first, int hole, int length, float v, int ix) {
        int top = hole, child = hole;
        while (child < (length - 1) / 2) {
            child = 2 * (child + 1);
            if (before(first + child, first + child - 1)) child--;
            move(first + child, first + hole);
            hole = child;
        }
        if ((length & 1) == 0 && child == (length - 2) / 2) {
            child = 2 * (child + 1);
            move(first + child - 1, first + hole);
            hole = child - 1;
        }
        int parent = (hole - 1) / 2;
        while (hole > top && before(value[first + parent], v)) {
            move(first + parent, first + hole);
            hole = parent;
            parent = (hole - 1) / 2;
        }
        value[first + hole] = v;
        index[first + hole] = ix;
    }
}
