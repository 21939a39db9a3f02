package lookm.bench.report;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A tiny JSON writer for reports: maps (insertion order kept), lists, strings, numbers, booleans and null.
 * Non-finite doubles are written as {@code null} (JSON has no NaN). Arrays of primitives are written as lists.
 */
public final class Json {
    private static final String INDENT = "  ";

    private Json() {}

    /** The value as indented JSON text, ending with a newline. */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.append('\n').toString();
    }

    private static void write(StringBuilder out, Object value, int depth) {
        if (value == null) out.append("null");
        else if (value instanceof String s) quote(out, s);
        else if (value instanceof Double || value instanceof Float) number(out, ((Number) value).doubleValue());
        else if (value instanceof Number || value instanceof Boolean) out.append(value);
        else if (value instanceof Map<?, ?> map) object(out, map, depth);
        else if (value instanceof List<?> list) array(out, list.iterator(), list.isEmpty(), depth);
        else if (value instanceof double[] a) array(out, java.util.Arrays.stream(a).boxed().iterator(), a.length == 0, depth);
        else if (value instanceof int[] a) array(out, java.util.Arrays.stream(a).boxed().iterator(), a.length == 0, depth);
        else if (value instanceof long[] a) array(out, java.util.Arrays.stream(a).boxed().iterator(), a.length == 0, depth);
        else if (value instanceof Enum<?> e) quote(out, e.name());
        else quote(out, value.toString());
    }

    private static void number(StringBuilder out, double d) {
        if (!Double.isFinite(d)) out.append("null");
        else if (d == Math.rint(d) && Math.abs(d) < 1e15) out.append((long) d);
        else out.append(d);
    }

    private static void object(StringBuilder out, Map<?, ?> map, int depth) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append("{\n");
        Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<?, ?> e = it.next();
            out.append(INDENT.repeat(depth + 1));
            quote(out, String.valueOf(e.getKey()));
            out.append(": ");
            write(out, e.getValue(), depth + 1);
            out.append(it.hasNext() ? ",\n" : "\n");
        }
        out.append(INDENT.repeat(depth)).append('}');
    }

    private static void array(StringBuilder out, Iterator<?> it, boolean empty, int depth) {
        if (empty) {
            out.append("[]");
            return;
        }
        out.append("[\n");
        while (it.hasNext()) {
            out.append(INDENT.repeat(depth + 1));
            write(out, it.next(), depth + 1);
            out.append(it.hasNext() ? ",\n" : "\n");
        }
        out.append(INDENT.repeat(depth)).append(']');
    }

    /** Appends {@code s} as a JSON string literal, escaping quotes, backslashes and control characters. */
    static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }
}
