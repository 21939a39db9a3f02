package lookm.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void writesEscapedStringsNumbersAndNullForNaN() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\nd");
        m.put("n", 1.5);
        m.put("i", 3);
        m.put("nan", Double.NaN);
        m.put("list", List.of(1, true));
        assertEquals("{\n  \"s\": \"a\\\"b\\\\c\\nd\",\n  \"n\": 1.5,\n  \"i\": 3,\n  \"nan\": null,\n  \"list\": [\n    1,\n    true\n  ]\n}\n",
                Json.write(m));
    }

    @Test
    void csvQuotesCellsWithCommasAndRecordsComments() {
        Csv csv = new Csv(List.of("a", "b")).comment("policy: x").row("1,2", 0.5);
        assertEquals("# policy: x\na,b\n\"1,2\",0.500000\n", csv.toString());
    }
}
