package lookm.spec.policy;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Budget scope (SPEC.md §3B): the unit a layer's budget is shared over before selection. {@code global} is one
 * selection over the whole layer (every policy's default, bit for bit what it did before scopes existed); the others
 * split the heavy-hitter budget into one share per group of positions (per modality, per visual item, per tile, per
 * frame) and run the selection inside each group. Written {@code scope=NAME[(shares=size|attention)]} in a policy
 * expression (SPEC.md §1.1), after the stages or an alias.
 *
 * @param unit   what a group is
 * @param shares how the heavy-hitter budget is divided among the groups
 */
public record ScopeSpec(Unit unit, Shares shares) {
    /** The expression keyword of the scope term. */
    public static final String KEYWORD = "scope";
    /** One selection over the whole layer. */
    public static final ScopeSpec GLOBAL = new ScopeSpec(Unit.GLOBAL, Shares.SIZE);
    /** What {@code lookm policies} prints for the scope term. */
    public static final String DESCRIPTION = "scope=" + String.join("|", Unit.labels())
            + "[(shares=size|attention)]: divide the layer's heavy-hitter budget among groups of positions (SPEC.md §3B); default global";

    /** What a group of positions is. The text-prior class outside every visual item is one group ("text") under every non-global unit. */
    public enum Unit {
        /** One group: the whole layer. */
        GLOBAL,
        /** Text-prior class (text and special), image, video. */
        MODALITY,
        /** Each visual item (an image or a video, with its own special tokens), plus the text group. */
        IMAGE,
        /** Each tile of each image (AnyRes: the base view and every grid tile), each video whole, plus the text group. */
        TILE,
        /** Each frame of each video, each image whole, plus the text group. */
        FRAME;

        public String label() { return name().toLowerCase(Locale.ROOT); }

        static List<String> labels() { return Arrays.stream(values()).map(Unit::label).toList(); }

        static Unit ofLabel(String label) {
            for (Unit u : values()) if (u.label().equals(label)) return u;
            return null;
        }
    }

    /** How the heavy-hitter budget is divided among the groups. */
    public enum Shares {
        /** In proportion to each group's candidate count (every group keeps the same fraction). */
        SIZE,
        /** In proportion to each group's score mass Σ s_h[j] over its candidates, per head (VL-Cache-like measured shares). */
        ATTENTION;

        public String label() { return name().toLowerCase(Locale.ROOT); }
    }

    public ScopeSpec {
        if (unit == null || shares == null) throw new IllegalArgumentException("a budget scope needs a unit and a share rule");
        if (unit == Unit.GLOBAL && shares != Shares.SIZE)
            throw new IllegalArgumentException("scope global is one group; shares=" + shares.label() + " needs a non-global unit ("
                    + String.join(", ", Unit.labels().subList(1, Unit.values().length)) + ")");
    }

    /** Whether this is the one-group scope (the selection runs unchanged). */
    public boolean global() { return unit == Unit.GLOBAL; }

    /**
     * The scope {@code text} names: {@code global}, {@code modality}, {@code image}, {@code tile}, {@code frame}, each
     * optionally with {@code (shares=size)} or {@code (shares=attention)}.
     *
     * @throws IllegalArgumentException naming the text and what is allowed
     */
    public static ScopeSpec parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("scope must not be empty; one of " + Unit.labels());
        String t = text.trim();
        int open = t.indexOf('(');
        if (open >= 0 && !t.endsWith(")")) throw new IllegalArgumentException("scope '" + text + "': missing ')'");
        String name = (open < 0 ? t : t.substring(0, open)).trim();
        String args = open < 0 ? "" : t.substring(open + 1, t.length() - 1).trim();
        Unit unit = Unit.ofLabel(name);
        if (unit == null) throw new IllegalArgumentException("unknown scope '" + name + "'; known: " + String.join(", ", Unit.labels()));
        Shares shares = Shares.SIZE;
        if (!args.isEmpty()) {
            String[] kv = args.split("=", 2);
            if (kv.length != 2 || !kv[0].trim().equals("shares"))
                throw new IllegalArgumentException("scope '" + text + "': takes shares=size|attention, got '" + args + "'");
            String value = kv[1].trim();
            shares = Arrays.stream(Shares.values()).filter(s -> s.label().equals(value)).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("scope '" + text + "': shares must be size or attention, was '" + value + "'"));
        }
        try {
            return new ScopeSpec(unit, shares);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("scope '" + text + "': " + e.getMessage(), e);
        }
    }

    /** The canonical form: the unit, then {@code (shares=attention)} when shares are measured. */
    @Override public String toString() { return unit.label() + (shares == Shares.SIZE ? "" : "(shares=" + shares.label() + ")"); }
}
