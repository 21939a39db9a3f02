package lookm.spec.policy;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lookm.spec.allocate.AllocationNames;

/**
 * Policies as text (SPEC.md §1.1). Grammar:
 * <pre>
 * expression := term (('+' | ' ') term)*
 * term       := [stage '='] name ['(' [arg (',' arg)*] ')']        stage: score | select | merge
 *             | 'allocate=' allocation                              (SPEC.md §3A; as {@code AllocationNames.parse})
 *             | 'scope=' scope                                      (SPEC.md §3B; as {@link ScopeSpec#parse})
 * arg        := [stage '.'] param '=' value
 * </pre>
 * A term names a registered policy (an alias; only as the first term, it sets all three stages) or a stage variant by
 * its keyword (it sets that stage; later terms replace what an alias set, e.g. {@code h2o(sinks=4) + pivot}). An
 * alias's arguments go to its stages' parameters: a bare name sets it in every stage that has it (SnapKV's
 * {@code window} sets the score's and the selection's), {@code select.window=32} only one. Absent parameters take
 * the registered (or default) values. The canonical form, {@link PolicySpec#expression()}, writes all three stages
 * and every parameter: {@code score=window(window=32,pool=max,kernel=7) select=topk(sinks=0,window=32,ties=position) merge=drop};
 * parsing it gives the same spec back.
 */
public final class PolicyExpression {
    /** The keyword of the allocation stage (SPEC.md §3A), which comes after the three stages or an alias. */
    static final String ALLOCATE = "allocate";
    private final String text;
    private int pos;

    private PolicyExpression(String text) { this.text = text; }

    /**
     * The policy {@code text} denotes. A plain registered name gives that policy; any other expression whose stages
     * equal a registered policy's gives that policy; otherwise the policy is named by the expression as written.
     *
     * @throws PolicyExpressionException naming the parameter, its value and what is allowed, or what is wrong where
     */
    static PolicySpec parse(String text) {
        if (text == null || text.isBlank())
            throw new PolicyExpressionException(String.valueOf(text), "empty; write a policy name (see 'lookm policies') or score=... select=... merge=...");
        return new PolicyExpression(text.trim()).expression();
    }

    private record Term(Stage stage, String name, Map<String, String> args) {}

    private PolicySpec expression() {
        Map<Stage, Object> stages = new EnumMap<>(Stage.class);
        Map<Stage, String> setBy = new EnumMap<>(Stage.class);
        PolicySpec alias = null;
        AllocateSpec allocate = null;
        ScopeSpec scope = null;
        boolean first = true, plainAlias = false;
        while (true) {
            skipSpaces();
            if (pos >= text.length()) break;
            if (!first && peek() == '+') {
                pos++;
                skipSpaces();
            }
            if (startsTerm(ALLOCATE)) {
                if (allocate != null) throw error("the allocate stage is set twice");
                allocate = allocation();
                continue;
            }
            if (startsTerm(ScopeSpec.KEYWORD)) {
                if (scope != null) throw error("the scope is set twice");
                scope = scope();
                continue;
            }
            Term t = term();
            PolicySpec named = t.stage == null ? Policies.alias(t.name) : null;
            if (named != null) {
                if (!first) throw error("policy '" + t.name + "' can only start an expression (it sets all three stages); "
                        + "to change one stage write score=..., select=... or merge=... or a stage keyword");
                alias = named;
                plainAlias = t.args.isEmpty();
                Map<Stage, Map<String, String>> overrides = aliasArgs(named, t.args);
                stages.put(Stage.SCORE, override(named.score(), overrides.get(Stage.SCORE)));
                stages.put(Stage.SELECT, override(named.select(), overrides.get(Stage.SELECT)));
                stages.put(Stage.MERGE, override(named.merge(), overrides.get(Stage.MERGE)));
            } else {
                Variant<?> v = Variants.keyword(t.name);
                if (v == null || t.stage != null && v.stage() != t.stage) throw unknown(t);
                if (setBy.containsKey(v.stage()))
                    throw error("the " + v.stage().keyword() + " stage is set twice ('" + setBy.get(v.stage()) + "' and '" + t.name + "')");
                setBy.put(v.stage(), t.name);
                stages.put(v.stage(), v.parse(t.args, text));
                plainAlias = false;
            }
            first = false;
        }
        for (Stage s : Stage.values())
            if (!stages.containsKey(s))
                throw error("no " + s.keyword() + " stage; add " + s.keyword() + "=... (one of " + Variants.keywords(s) + ") or start from a policy name");
        if (plainAlias && allocate == null && scope == null) return alias;
        // an alias's allocation and scope hold unless the expression names others (SPEC.md §3A, §3B)
        AllocateSpec allocation = allocate != null ? allocate : alias != null ? alias.allocate() : new AllocateSpec.Uniform();
        ScopeSpec budgetScope = scope != null ? scope : alias != null ? alias.scope() : ScopeSpec.GLOBAL;
        return withAllocationAndScope(plainAlias ? alias : stagesOf(stages, allocation, budgetScope), allocation, budgetScope);
    }

    /**
     * The registered policy with these stages, allocation and scope; else the registered policy with these stages
     * (uniform, global), to which the expression's allocation and scope are then applied; else one named by the text.
     */
    private PolicySpec stagesOf(Map<Stage, Object> stages, AllocateSpec allocation, ScopeSpec budgetScope) {
        ScoreSpec score = (ScoreSpec) stages.get(Stage.SCORE);
        SelectSpec select = (SelectSpec) stages.get(Stage.SELECT);
        MergeSpec merge = (MergeSpec) stages.get(Stage.MERGE);
        PolicySpec registered = Policies.withStages(score, select, merge, allocation, budgetScope);
        if (registered == null) registered = Policies.withStages(score, select, merge);
        if (registered != null) return registered;
        return new PolicySpec(text.replaceAll("\\s+", " "), "", score, select, merge, "");
    }

    /** The policy with the allocation (SPEC.md §3A) and the budget scope (§3B) the expression named. */
    private PolicySpec withAllocationAndScope(PolicySpec policy, AllocateSpec allocation, ScopeSpec budgetScope) {
        if (policy.allocate().equals(allocation) && policy.scope().equals(budgetScope)) return policy;
        try {
            PolicySpec out = policy.withAllocation(allocation).withScope(budgetScope);
            if (budgetScope.equals(policy.scope())) return out;
            // another scope makes another policy (a sweep lists "h2o" and "h2o scope=image" side by side): named as written
            return new PolicySpec(text.replaceAll("\\s+", " "), policy.description(), out.score(), out.select(), out.merge(), out.original(),
                    out.allocate(), out.scope());
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    /** {@code scope=NAME[(shares=…)]}, read as {@link ScopeSpec#parse} reads it. */
    private ScopeSpec scope() {
        pos += ScopeSpec.KEYWORD.length();
        skipSpaces();
        expect('=');
        skipSpaces();
        int start = pos;
        word("a scope (global, modality, image, tile, frame)");
        skipSpaces();
        if (peek() == '(') {
            int close = text.indexOf(')', pos);
            if (close < 0) throw error("scope at position " + start + ": missing ')'");
            pos = close + 1;
        }
        try {
            return ScopeSpec.parse(text.substring(start, pos));
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    /** Whether the next term is {@code keyword=...} ({@code allocate=...}, {@code scope=...}). */
    private boolean startsTerm(String keyword) {
        if (!text.startsWith(keyword, pos)) return false;
        int at = pos + keyword.length();
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) at++;
        return at < text.length() && text.charAt(at) == '=';
    }

    /** {@code allocate=NAME[(…)]}, read as {@link AllocationNames#parse} reads it (its arguments may be positional). */
    private AllocateSpec allocation() {
        pos += ALLOCATE.length();
        skipSpaces();
        expect('=');
        skipSpaces();
        int start = pos;
        word("an allocation (" + String.join(", ", AllocationNames.NAMES) + ")");
        skipSpaces();
        if (peek() == '(') {
            int depth = 0;
            do {
                if (peek() == '(') depth++;
                if (peek() == ')') depth--;
                if (pos >= text.length()) throw error("allocation at position " + start + ": missing ')'");
                pos++;
            } while (depth > 0);
        }
        try {
            return AllocationNames.parse(text.substring(start, pos));
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    /** An alias's arguments, by the stage whose parameter each one sets. */
    private Map<Stage, Map<String, String>> aliasArgs(PolicySpec alias, Map<String, String> args) {
        Map<Stage, Map<String, String>> out = new EnumMap<>(Stage.class);
        Map<Stage, Variant<?>> variants = new EnumMap<>(Stage.class);
        variants.put(Stage.SCORE, Variants.of(alias.score()));
        variants.put(Stage.SELECT, Variants.of(alias.select()));
        variants.put(Stage.MERGE, Variants.of(alias.merge()));
        for (Map.Entry<String, String> a : args.entrySet()) {
            String name = a.getKey();
            boolean matched = false;
            for (Stage s : Stage.values()) {
                String param = name.startsWith(s.keyword() + ".") ? name.substring(s.keyword().length() + 1) : name.contains(".") ? null : name;
                if (param == null || variants.get(s).param(param) == null) continue;
                out.computeIfAbsent(s, k -> new LinkedHashMap<>()).put(param, a.getValue());
                matched = true;
            }
            if (!matched) {
                StringBuilder known = new StringBuilder();
                for (Stage s : Stage.values())
                    for (Param p : variants.get(s).params())
                        known.append(known.length() == 0 ? "" : ", ").append(s.keyword()).append('.').append(p.name()).append(" (").append(p.allowed()).append(')');
                throw error("unknown parameter '" + name + "' of policy " + alias.name() + "; its parameters: "
                        + (known.length() == 0 ? "none" : known));
            }
        }
        return out;
    }

    private Object override(Object spec, Map<String, String> given) {
        if (given == null) return spec;
        Variant<?> v = Variants.of(spec);
        Map<String, String> texts = new LinkedHashMap<>(textsOf(v, spec));
        texts.putAll(given);
        return v.parse(texts, text);
    }

    @SuppressWarnings("unchecked")
    private static <S> Map<String, String> textsOf(Variant<S> v, Object spec) { return v.texts((S) spec); }

    private Term term() {
        String name = word("a policy name, a stage (score, select, merge) or a stage keyword");
        Stage stage = null;
        skipSpaces();
        if (peek() == '=') {
            for (Stage s : Stage.values()) if (s.keyword().equals(name)) stage = s;
            if (stage == null) throw error("'" + name + "=' at position " + pos + ": only score=, select= and merge= assign a stage");
            pos++;
            skipSpaces();
            name = word("a " + stage.keyword() + " keyword (" + Variants.keywords(stage) + ")");
        }
        Map<String, String> args = new LinkedHashMap<>();
        skipSpaces();
        if (peek() == '(') {
            pos++;
            while (true) {
                skipSpaces();
                if (peek() == ')' && args.isEmpty()) break;
                String param = word("a parameter name");
                skipSpaces();
                expect('=');
                skipSpaces();
                String value = word("a value for " + param);
                if (args.put(param, value) != null) throw error("parameter " + param + " given twice");
                skipSpaces();
                if (peek() == ',') {
                    pos++;
                    continue;
                }
                if (peek() == ')') break;
                throw error("expected ',' or ')' at position " + pos + ", found " + found());
            }
            pos++;
        }
        return new Term(stage, name, args);
    }

    private PolicyExpressionException unknown(Term t) {
        if (t.stage != null)
            return error("unknown " + t.stage.keyword() + " variant '" + t.name + "'; known: " + Variants.keywords(t.stage));
        return error("unknown name '" + t.name + "'; policies: " + String.join(", ", Policies.names()) + "; score: "
                + Variants.keywords(Stage.SCORE) + "; select: " + Variants.keywords(Stage.SELECT) + "; merge: " + Variants.keywords(Stage.MERGE));
    }

    private String word(String what) {
        int start = pos;
        while (pos < text.length() && isWordChar(text.charAt(pos))) pos++;
        if (pos == start) throw error("expected " + what + " at position " + start + ", found " + found());
        return text.substring(start, pos);
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.';
    }

    private void expect(char c) {
        if (peek() != c) throw error("expected '" + c + "' at position " + pos + ", found " + found());
        pos++;
    }

    private char peek() { return pos < text.length() ? text.charAt(pos) : '\0'; }

    private String found() { return pos < text.length() ? "'" + text.charAt(pos) + "'" : "the end"; }

    private void skipSpaces() { while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) pos++; }

    private PolicyExpressionException error(String problem) { return new PolicyExpressionException(text, problem); }

    /** The canonical text of three stages. */
    static String print(ScoreSpec score, SelectSpec select, MergeSpec merge) {
        return String.join(" ", List.of("score=" + score.expression(), "select=" + select.expression(), "merge=" + merge.expression()));
    }
}
