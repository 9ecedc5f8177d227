package org.convlab.io;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import java.util.Arrays;
import java.util.Collection;
import java.util.stream.Collectors;

/**
 * The JSON settings every ConvLab file shares, and Jackson's errors said for people. A document
 * must be one value and nothing after it: a spec followed by {@code garbage}} is refused, not
 * half read.
 */
public final class JsonFiles {
    private JsonFiles() {
    }

    /** A mapper that writes indented JSON and refuses trailing text after the value. */
    public static ObjectMapper mapper() {
        return new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // Enums as their keywords: "same", "valid".
                .enable(SerializationFeature.WRITE_ENUMS_USING_TO_STRING)
                .enable(DeserializationFeature.READ_ENUMS_USING_TO_STRING);
    }

    /** Where in the file ("line 3, column 14"), or empty when Jackson does not say. */
    public static String location(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        return at == null || at.getLineNr() < 1 ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr();
    }

    /**
     * What is wrong, in words and without Java class names: "expected a whole number, received
     * "abc"", "text after the end of the JSON value", "the file ends inside a value".
     */
    public static String problem(JsonProcessingException e) {
        String original = String.valueOf(e.getOriginalMessage());
        if (original.startsWith("Trailing token")) {
            return "text after the end of the JSON value; a file holds one value";
        }
        if (original.startsWith("Unexpected end-of-input") || original.contains("end-of-input")) {
            return "the file ends inside a value (a missing '}' or ']'?)";
        }
        if (e instanceof com.fasterxml.jackson.databind.exc.ValueInstantiationException
                && e.getCause() instanceof IllegalArgumentException refused && refused.getMessage() != null) {
            return refused.getMessage(); // a record's own check, already in words
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return "expected " + describe(m.getTargetType()) + received(original);
        }
        return withoutClassNames(original.lines().findFirst().orElse(original));
    }

    /** The path to the offending value, as {@code layers[3].kernel}; empty at the top. */
    public static String path(JsonProcessingException e) {
        if (!(e instanceof JsonMappingException m)) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : m.getPath()) {
            if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            } else if (ref.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(ref.getFieldName());
            }
        }
        return sb.toString();
    }

    private static String describe(Class<?> type) {
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "a whole number";
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "text";
        }
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants()).map(String::valueOf).collect(Collectors.joining(", "));
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "a list [...]";
        }
        return "an object {...}";
    }

    /** The value Jackson quotes in its message ("from String \"abc\""), if any. */
    private static String received(String original) {
        int from = original.indexOf(" from ");
        if (from < 0) {
            return "";
        }
        String rest = original.substring(from + 6);
        int colon = rest.indexOf(':');
        String what = withoutClassNames(colon < 0 ? rest : rest.substring(0, colon)).trim();
        return ", received " + what.replace("String ", "").replace("Object value", "an object").replace("Array value", "a list");
    }

    private static String withoutClassNames(String text) {
        // `org.convlab.arch.Size2` -> Size2; `int` -> int
        return text.replaceAll("`(?:[a-z_$][\\w$]*\\.)+([A-Z][\\w$]*)`", "$1").replace("`", "");
    }
}
