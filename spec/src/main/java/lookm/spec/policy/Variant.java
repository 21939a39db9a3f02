package lookm.spec.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The description of one stage variant, in one place: its stage, its keyword in expressions, its parameters (name,
 * type, range, default) and how its spec record is built from and printed to parameter values. Built-in records
 * declare theirs as a static {@code KIND} field; plugins describe theirs through {@code lookm.spec.plugin}.
 *
 * @param <S> the spec type it builds (a {@link ScoreSpec}, {@link SelectSpec} or {@link MergeSpec})
 */
public final class Variant<S> {
    private final Stage stage;
    private final String keyword;
    private final String description;
    private final List<Param> params;
    private final Function<Args, S> build;
    private final Function<S, List<Object>> values;

    private Variant(Stage stage, String keyword, String description, List<Param> params, Function<Args, S> build, Function<S, List<Object>> values) {
        if (stage == null || build == null || values == null) throw new IllegalArgumentException("variant " + keyword + " needs a stage, a builder and a printer");
        if (keyword == null || !keyword.matches("[a-z][a-z0-9-]*")) throw new IllegalArgumentException("variant keyword must match [a-z][a-z0-9-]*, was " + keyword);
        this.stage = stage;
        this.keyword = keyword;
        this.description = description == null ? "" : description;
        this.params = List.copyOf(params);
        this.build = build;
        this.values = values;
        for (Param p : this.params) if (p.defaultText() != null) p.parse(p.defaultText(), "default of " + keyword + "." + p.name());
        for (int i = 0; i < this.params.size(); i++)
            for (int j = 0; j < i; j++)
                if (this.params.get(i).name().equals(this.params.get(j).name()))
                    throw new IllegalArgumentException("variant " + keyword + ": parameter " + this.params.get(i).name() + " declared twice");
    }

    /**
     * @param build  the record from complete, checked values
     * @param values the record's values in {@code params} order (the inverse of {@code build})
     */
    public static <S> Variant<S> of(Stage stage, String keyword, String description, Function<Args, S> build,
                                    Function<S, List<Object>> values, Param... params) {
        return new Variant<>(stage, keyword, description, List.of(params), build, values);
    }

    public Stage stage() { return stage; }

    public String keyword() { return keyword; }

    public String description() { return description; }

    public List<Param> params() { return params; }

    /** The parameter called {@code name}, or null. */
    public Param param(String name) {
        for (Param p : params) if (p.name().equals(name)) return p;
        return null;
    }

    /**
     * The spec from parameter texts by name; absent parameters take their defaults.
     *
     * @param where the expression, for messages
     */
    public S parse(Map<String, String> given, String where) {
        for (String name : given.keySet())
            if (param(name) == null)
                throw new PolicyExpressionException(where, "unknown parameter '" + name + "' of " + keyword + "; " + allowedParams());
        Map<String, Object> parsed = new LinkedHashMap<>();
        for (Param p : params) {
            String text = given.containsKey(p.name()) ? given.get(p.name()) : p.defaultText();
            if (text == null) throw new PolicyExpressionException(where, keyword + " needs parameter " + p.name() + " (" + p.allowed() + ")");
            parsed.put(p.name(), p.parse(text, where));
        }
        try {
            return build.apply(new Args(parsed));
        } catch (PolicyExpressionException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new PolicyExpressionException(where, keyword + ": " + e.getMessage());
        }
    }

    /** The parameters in words, for messages. */
    public String allowedParams() {
        if (params.isEmpty()) return keyword + " takes no parameters";
        List<String> out = new ArrayList<>();
        for (Param p : params) out.add(p.name() + " (" + p.allowed() + ")");
        return "its parameters: " + String.join(", ", out);
    }

    /** {@code spec}'s parameter texts by name, in parameter order. */
    public Map<String, String> texts(S spec) {
        List<Object> v = values.apply(spec);
        if (v.size() != params.size()) throw new IllegalStateException("variant " + keyword + " printed " + v.size() + " values for " + params.size() + " parameters");
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) out.put(params.get(i).name(), Param.printValue(v.get(i)));
        return out;
    }

    /** The canonical text: {@code keyword} or {@code keyword(p1=v1,p2=v2)}, every parameter written, in order. */
    public String print(S spec) {
        Map<String, String> texts = texts(spec);
        if (texts.isEmpty()) return keyword;
        List<String> parts = new ArrayList<>();
        texts.forEach((k, v) -> parts.add(k + "=" + v));
        return keyword + "(" + String.join(",", parts) + ")";
    }

    @SuppressWarnings("unchecked")
    String printUnchecked(Object spec) { return print((S) spec); }

    @Override public String toString() { return stage.keyword() + " variant " + keyword; }
}
