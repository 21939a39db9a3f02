package lookm.traces.kvpress;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal JSON reader for the kvpress golden runs.json files: objects as LinkedHashMap, arrays as List,
 * numbers as Double, strings, booleans and null. Malformed input fails naming the offset.
 */
final class Json {
    private final String text;
    private final String source;
    private int at;

    private Json(String text, String source) {
        this.text = text;
        this.source = source;
    }

    static Object parse(String text, String source) {
        Json j = new Json(text, source);
        Object v = j.value();
        j.space();
        if (j.at != text.length()) throw j.error("trailing characters");
        return v;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object v, String what) {
        if (!(v instanceof Map)) throw new IllegalStateException(what + ": expected a JSON object, got " + v);
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    static List<Object> array(Object v, String what) {
        if (!(v instanceof List)) throw new IllegalStateException(what + ": expected a JSON array, got " + v);
        return (List<Object>) v;
    }

    static int integer(Map<String, Object> o, String key, String where) { return (int) number(o, key, where); }

    static double number(Map<String, Object> o, String key, String where) {
        if (!(o.get(key) instanceof Number n)) throw new IllegalStateException(where + ": '" + key + "' missing or not a number: " + o.get(key));
        return n.doubleValue();
    }

    static String string(Map<String, Object> o, String key, String where) {
        if (!(o.get(key) instanceof String s)) throw new IllegalStateException(where + ": '" + key + "' missing or not a string: " + o.get(key));
        return s;
    }

    private Object value() {
        space();
        if (at >= text.length()) throw error("unexpected end");
        char c = text.charAt(at);
        if (c == '{') return objectValue();
        if (c == '[') return arrayValue();
        if (c == '"') return string();
        if (text.startsWith("true", at)) { at += 4; return Boolean.TRUE; }
        if (text.startsWith("false", at)) { at += 5; return Boolean.FALSE; }
        if (text.startsWith("null", at)) { at += 4; return null; }
        int start = at;
        while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) at++;
        if (start == at) throw error("unexpected character '" + c + "'");
        return Double.parseDouble(text.substring(start, at));
    }

    private Map<String, Object> objectValue() {
        Map<String, Object> out = new LinkedHashMap<>();
        at++;
        space();
        if (text.charAt(at) == '}') { at++; return out; }
        while (true) {
            space();
            String key = string();
            space();
            expect(':');
            out.put(key, value());
            space();
            if (text.charAt(at) == ',') { at++; continue; }
            expect('}');
            return out;
        }
    }

    private List<Object> arrayValue() {
        List<Object> out = new ArrayList<>();
        at++;
        space();
        if (text.charAt(at) == ']') { at++; return out; }
        while (true) {
            out.add(value());
            space();
            if (text.charAt(at) == ',') { at++; continue; }
            expect(']');
            return out;
        }
    }

    private String string() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (text.charAt(at) != '"') {
            char c = text.charAt(at++);
            if (c != '\\') { b.append(c); continue; }
            char e = text.charAt(at++);
            switch (e) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'u' -> { b.append((char) Integer.parseInt(text.substring(at, at + 4), 16)); at += 4; }
                default -> b.append(e);
            }
        }
        at++;
        return b.toString();
    }

    private void expect(char c) {
        if (at >= text.length() || text.charAt(at) != c) throw error("expected '" + c + "'");
        at++;
    }

    private void space() { while (at < text.length() && Character.isWhitespace(text.charAt(at))) at++; }

    private IllegalStateException error(String what) { return new IllegalStateException(source + ": " + what + " at offset " + at); }
}
