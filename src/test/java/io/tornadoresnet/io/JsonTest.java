package io.tornadoresnet.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {
    @Test
    void parsesObjectsArraysStringsAndIntegersKeepingKeyOrder() {
        Object v = Json.parse("  {\"z\": [1, -2, 0, 9223372036854775807], \"a\": {\"s\": \"x\"}, \"m\": []}   ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("z", "a", "m"), List.copyOf(m.keySet()));
        assertEquals(List.of(1L, -2L, 0L, Long.MAX_VALUE), m.get("z"));
        assertEquals(Map.of("s", "x"), m.get("a"));
        assertEquals(List.of(), m.get("m"));
    }

    @Test
    void decodesEveryEscapeIncludingSurrogatePairs() {
        String json = "\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00 raw:\u00e9\u4e2d\"";
        assertEquals("q\" b\\ s/ \b\f\n\r\t \u00e9 \ud83d\ude00 raw:\u00e9\u4e2d", Json.parse(json));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "plain", "quote \" and backslash \\", "controls \n\r\t\b\f\u0001\u001f",
            "unicode \u00e9\u4e2d\ud83d\ude00", "lone \ud800 surrogate \udc00"})
    void writtenStringsParseBack(String s) {
        StringBuilder b = new StringBuilder();
        Json.writeString(b, s);
        assertEquals(s, Json.parse(b.toString()));
    }

    @Test
    void writesMinimalEscapes() {
        StringBuilder b = new StringBuilder();
        Json.writeString(b, "a\"\\\n\u0001\u00e9");
        assertEquals("\"a\\\"\\\\\\n\\u0001\u00e9\"", b.toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"a\": 1, \"a\": 2}       | duplicate key \"a\"",
            "{\"a\": 1.5}               | only integers",
            "{\"a\": 1e3}               | only integers",
            "{\"a\": true}              | unexpected character 't'",
            "{\"a\": 01}                | leading zero",
            "{\"a\": 99999999999999999999} | out of range",
            "{\"a\": 1} x               | unexpected text after",
            "{\"a\": \"open             | unterminated string",
            "{\"a\": \"\\x\"}           | invalid escape",
            "{\"a\": \"\\u12g4\"}       | invalid hex digit",
            "{\"a\" 1}                  | expected ':'",
            "{\"a\": 1                  | unexpected end of JSON",
            "{a: 1}                     | expected a string key",
            "[1 2]                      | expected ']'",
            "-                          | expected a digit",
    })
    void rejectsWhatSafetensorsNeverWrites(String json, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(json));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(e.getMessage().contains(" at character "), e.getMessage());
    }

    @Test
    void rejectsControlCharactersInStrings() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("\"a\nb\""));
        assertTrue(e.getMessage().contains("control character"), e.getMessage());
    }

    @Test
    void boundsNesting() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(deep));
        assertTrue(e.getMessage().contains("nesting deeper"), e.getMessage());
    }

    @Test
    void writesOneLineObjectsInKeyOrder() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("b", true);
        inner.put("a", null);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("z", 3);
        o.put("name", "say \"hi\"\n");
        o.put("ratio", 0.25);
        o.put("half", 0.5f);
        o.put("list", Arrays.asList(1L, "x", inner));
        o.put("path", java.nio.file.Path.of("runs", "a"));
        assertEquals("{\"z\":3,\"name\":\"say \\\"hi\\\"\\n\",\"ratio\":0.25,\"half\":0.5,"
                + "\"list\":[1,\"x\",{\"b\":true,\"a\":null}],\"path\":\"runs/a\"}", Json.write(o));
    }

    @Test
    void writesNonFiniteNumbersAsNull() {
        assertEquals("[null,null,null]", Json.write(List.of(Double.NaN, Double.POSITIVE_INFINITY, Float.NaN)));
    }

    @Test
    void parsesWhatItWritesWithinTheHeaderSubset() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("dtype", "F32");
        o.put("shape", List.of(64L, 3L, 7L, 7L));
        o.put("data_offsets", List.of(0L, 37632L));
        assertEquals(o, Json.parse(Json.write(o)));
    }
}
