package lookm.spec.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every stage variant by keyword: the built-in records of the sealed specs (each {@code KIND}, found through the
 * sealed interfaces' permitted subclasses, so a new record needs no entry here) and the plugins' custom stages.
 */
public final class Variants {
    private static final Map<String, Variant<?>> BY_KEYWORD = new LinkedHashMap<>();
    private static final Map<Class<?>, Variant<?>> BY_CLASS = new LinkedHashMap<>();

    static {
        for (Class<?> sealed : List.of(ScoreSpec.class, SelectSpec.class, MergeSpec.class))
            for (Class<?> c : sealed.getPermittedSubclasses()) {
                if (isCustom(c)) continue;
                Variant<?> v = kind(c);
                register(v);
                BY_CLASS.put(c, v);
            }
    }

    private Variants() {}

    /** Whether {@code c} is one of the three plugin records ({@code ScoreSpec.Custom} ...), which have no KIND of their own. */
    public static boolean isCustom(Class<?> c) {
        return c == ScoreSpec.Custom.class || c == SelectSpec.Custom.class || c == MergeSpec.Custom.class;
    }

    /** The {@code KIND} a built-in record declares. */
    public static Variant<?> kind(Class<?> record) {
        try {
            return (Variant<?>) record.getField("KIND").get(null);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException(record.getName() + " must declare 'public static final Variant<...> KIND' (SPEC.md §8)", e);
        }
    }

    /** Adds a variant; its keyword must be new among variants. */
    public static synchronized void register(Variant<?> variant) {
        Variant<?> old = BY_KEYWORD.get(variant.keyword());
        if (old != null && old != variant)
            throw new IllegalArgumentException("variant keyword '" + variant.keyword() + "' is already taken by the " + old);
        BY_KEYWORD.put(variant.keyword(), variant);
    }

    /** The variant of this keyword, or null. */
    public static synchronized Variant<?> keyword(String keyword) { return BY_KEYWORD.get(keyword); }

    /** Every variant of {@code stage}, built-ins first, in declaration order. */
    public static synchronized List<Variant<?>> of(Stage stage) {
        List<Variant<?>> out = new ArrayList<>();
        for (Variant<?> v : BY_KEYWORD.values()) if (v.stage() == stage) out.add(v);
        return out;
    }

    /** The keywords of {@code stage}, for messages. */
    public static String keywords(Stage stage) {
        List<String> out = new ArrayList<>();
        for (Variant<?> v : of(stage)) out.add(v.keyword());
        return String.join(", ", out);
    }

    /** The variant that describes {@code spec} (its record's KIND, or the plugin stage of its keyword). */
    public static synchronized Variant<?> of(Object spec) {
        String custom = spec instanceof ScoreSpec.Custom c ? c.keyword() : spec instanceof SelectSpec.Custom c ? c.keyword()
                : spec instanceof MergeSpec.Custom c ? c.keyword() : null;
        Variant<?> v = custom != null ? BY_KEYWORD.get(custom) : BY_CLASS.get(spec.getClass());
        if (v == null) throw new IllegalStateException("no variant describes " + spec + (custom != null ? ": is its plugin installed?" : ""));
        return v;
    }

    /** The canonical text of one stage spec. */
    static String print(Object spec) { return of(spec).printUnchecked(spec); }
}
