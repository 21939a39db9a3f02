package lookm.spec.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The parameter values of one stage variant, by name, in the variant's parameter order (parsed and checked by
 * {@link Param#parse}). Values are Integer, Long, Boolean, a lower-case choice word, or a {@link Window}.
 */
public record Args(Map<String, Object> values) {
    public Args {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public static Args none() { return new Args(Map.of()); }

    private Object get(String name) {
        Object v = values.get(name);
        if (v == null) throw new IllegalArgumentException("no parameter '" + name + "'; parameters: " + values.keySet());
        return v;
    }

    public int integer(String name) { return (Integer) get(name); }

    public long seed(String name) { return (Long) get(name); }

    public boolean bool(String name) { return (Boolean) get(name); }

    public Window window(String name) { return (Window) get(name); }

    public <E extends Enum<E>> E choice(String name, Class<E> type) {
        return Enum.valueOf(type, ((String) get(name)).toUpperCase(Locale.ROOT));
    }
}
