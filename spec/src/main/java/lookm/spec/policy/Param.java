package lookm.spec.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One parameter of a stage variant, described once: its name in expressions, its type and allowed values, its default
 * and its meaning. The parser, the printer ({@code lookm policies}), reports and the completeness test all read it.
 *
 * @param name        name in expressions, e.g. {@code sinks}
 * @param type        what values look like
 * @param min         smallest allowed integer (INT, LONG, WINDOW's fixed length)
 * @param max         largest allowed integer
 * @param oddOnly     integers must be odd (pooling kernels)
 * @param choices     allowed words of a CHOICE, lower case
 * @param defaultText the default, as written in expressions
 * @param description one line
 */
public record Param(String name, Type type, long min, long max, boolean oddOnly, List<String> choices, String defaultText, String description) {
    public enum Type { INT, LONG, BOOL, CHOICE, WINDOW }

    /** The word for {@link Window.BudgetRecent} in expressions. */
    public static final String BUDGET_RECENT = "R";

    public Param {
        if (name == null || !name.matches("[a-z][a-z0-9_]*")) throw new IllegalArgumentException("parameter name must match [a-z][a-z0-9_]*, was " + name);
        if (type == null || description == null) throw new IllegalArgumentException("parameter " + name + " needs a type and a description");
        choices = List.copyOf(choices);
        if (type == Type.CHOICE && choices.isEmpty()) throw new IllegalArgumentException("choice parameter " + name + " needs choices");
        if (min > max) throw new IllegalArgumentException("parameter " + name + ": min " + min + " > max " + max);
    }

    public static Param integer(String name, int min, int max, int defaultValue, String description) {
        return new Param(name, Type.INT, min, max, false, List.of(), Integer.toString(defaultValue), description);
    }

    public static Param oddInteger(String name, int min, int max, int defaultValue, String description) {
        return new Param(name, Type.INT, min, max, true, List.of(), Integer.toString(defaultValue), description);
    }

    public static Param seed(String name, long defaultValue, String description) {
        return new Param(name, Type.LONG, Long.MIN_VALUE, Long.MAX_VALUE, false, List.of(), Long.toString(defaultValue), description);
    }

    public static Param bool(String name, boolean defaultValue, String description) {
        return new Param(name, Type.BOOL, 0, 1, false, List.of(), Boolean.toString(defaultValue), description);
    }

    /** A choice among an enum's constants, written in lower case. */
    public static <E extends Enum<E>> Param choice(String name, Class<E> type, E defaultValue, String description) {
        List<String> words = new ArrayList<>();
        for (E e : type.getEnumConstants()) words.add(e.name().toLowerCase(Locale.ROOT));
        return new Param(name, Type.CHOICE, 0, words.size() - 1, false, words, defaultValue.name().toLowerCase(Locale.ROOT), description);
    }

    /** A window: {@code R} (the budget's recent count) or a fixed length in [0, max]. */
    public static Param window(String name, Window defaultValue, String description) {
        return new Param(name, Type.WINDOW, 0, Integer.MAX_VALUE, false, List.of(), printValue(defaultValue), description);
    }

    /** What is allowed, in words, e.g. "odd integer in [1, 2147483647]" or "one of avg|max". */
    public String allowed() {
        return switch (type) {
            case INT, LONG -> (oddOnly ? "odd " : "") + "integer in [" + min + ", " + max + "]";
            case BOOL -> "true|false";
            case CHOICE -> "one of " + String.join("|", choices);
            case WINDOW -> BUDGET_RECENT + " (the budget's recent count) or an integer in [" + min + ", " + max + "]";
        };
    }

    /**
     * The value of {@code text}: Integer, Long, Boolean, the choice's lower-case word, or a {@link Window}.
     *
     * @param where the expression, for the message
     * @throws PolicyExpressionException naming the parameter, the value and what is allowed
     */
    public Object parse(String text, String where) {
        String t = text.trim();
        switch (type) {
            case BOOL:
                if (t.equals("true") || t.equals("false")) return Boolean.valueOf(t);
                break;
            case CHOICE:
                String word = t.toLowerCase(Locale.ROOT).replace('-', '_');        // torch-cpu = torch_cpu
                if (choices.contains(word)) return word;
                break;
            case WINDOW:
                if (t.equals(BUDGET_RECENT)) return new Window.BudgetRecent();
                Long w = integerIn(t);
                if (w != null) return new Window.Fixed(w.intValue());
                break;
            default:
                Long v = integerIn(t);
                if (v != null) return type == Type.INT ? (Object) v.intValue() : (Object) v;
        }
        throw new PolicyExpressionException(where, "parameter " + name + "=" + t + " is not allowed; " + name + " must be " + allowed());
    }

    private Long integerIn(String t) {
        try {
            long v = Long.parseLong(t);
            if (v < min || v > max || oddOnly && v % 2 == 0) return null;
            return v;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** {@code value} as written in expressions (the inverse of {@link #parse}). */
    public static String printValue(Object value) {
        if (value instanceof Window.BudgetRecent) return BUDGET_RECENT;
        if (value instanceof Window.Fixed f) return Integer.toString(f.size());
        if (value instanceof Enum<?> e) return e.name().toLowerCase(Locale.ROOT);
        return String.valueOf(value);
    }

    /** One line for {@code lookm policies}: {@code name: allowed (default d): description}. */
    public String describe() {
        return name + ": " + allowed() + (defaultText == null ? "" : ", default " + defaultText) + "; " + description;
    }
}
