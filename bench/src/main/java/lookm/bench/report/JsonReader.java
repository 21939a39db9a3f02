package lookm.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON parser for reading reports back ({@code lookm compare}): objects become insertion-ordered maps,
 * arrays lists, numbers {@link Double}, plus strings, booleans and null. Errors name the offset.
 */
public final class JsonReader {
    private final String text;
    private int at;

    private JsonReader(String text) { this.text = text; }

    /** Parses one JSON value. @throws IllegalArgumentException naming {@code source} and the offset of the problem */
    public static Object parse(String text, String source) {
        JsonReader r = new JsonReader(text);
        try {
            Object v = r.value();
            r.space();
            if (r.at != text.length()) throw r.error("trailing characters");
            return v;
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: unexpected end");
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getMessage());
        }
    }

    private IllegalStateException error(String what) { return new IllegalStateException(what + " at offset " + at); }

    private void space() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) at++;
    }

    private Object value() {
        space();
        char c = text.charAt(at);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> number();
        };
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, at)) throw error("unexpected character '" + text.charAt(at) + "'");
        at += word.length();
        return value;
    }

    private Map<String, Object> object() {
        Map<String, Object> out = new LinkedHashMap<>();
        at++;
        space();
        if (text.charAt(at) == '}') {
            at++;
            return out;
        }
        while (true) {
            space();
            if (text.charAt(at) != '"') throw error("expected a key");
            String key = string();
            space();
            if (text.charAt(at++) != ':') throw error("expected ':'");
            out.put(key, value());
            space();
            char c = text.charAt(at++);
            if (c == '}') return out;
            if (c != ',') throw error("expected ',' or '}'");
        }
    }

    private List<Object> array() {
        List<Object> out = new ArrayList<>();
        at++;
        space();
        if (text.charAt(at) == ']') {
            at++;
            return out;
        }
        while (true) {
            out.add(value());
            space();
            char c = text.charAt(at++);
            if (c == ']') return out;
            if (c != ',') throw error("expected ',' or ']'");
        }
    }

    private String string() {
        StringBuilder s = new StringBuilder();
        at++;
        while (true) {
            char c = text.charAt(at++);
            if (c == '"') return s.toString();
            if (c != '\\') {
                s.append(c);
                continue;
            }
            char e = text.charAt(at++);
            switch (e) {
                case 'n' -> s.append('\n');
                case 'r' -> s.append('\r');
                case 't' -> s.append('\t');
                case 'b' -> s.append('\b');
                case 'f' -> s.append('\f');
                case 'u' -> {
                    s.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                    at += 4;
                }
                default -> s.append(e);
            }
        }
    }

    private Double number() {
        int start = at;
        while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) at++;
        if (start == at) throw error("unexpected character '" + text.charAt(at) + "'");
        try {
            return Double.valueOf(text.substring(start, at));
        } catch (NumberFormatException e) {
            throw error("bad number '" + text.substring(start, at) + "'");
        }
    }
}
