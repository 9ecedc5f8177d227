package org.convlab.arch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import org.convlab.ConvLabException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** Reads and writes {@link ArchitectureSpec}s as JSON, turning Jackson's errors into plain messages. */
public final class SpecJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            // Enums as their keywords: "same", "valid".
            .enable(SerializationFeature.WRITE_ENUMS_USING_TO_STRING)
            .enable(DeserializationFeature.READ_ENUMS_USING_TO_STRING)
            .enable(com.fasterxml.jackson.databind.MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS);

    private SpecJson() {
    }

    public static String write(ArchitectureSpec spec) {
        try {
            return MAPPER.writeValueAsString(spec) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write spec " + spec.name(), e);
        }
    }

    public static ArchitectureSpec read(String json, String source) {
        try {
            return MAPPER.readValue(json, ArchitectureSpec.class);
        } catch (JsonProcessingException e) {
            throw explain(e, source);
        }
    }

    public static ArchitectureSpec read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConvLabException("architecture file " + file + " does not exist or is not a file");
        }
        try {
            return read(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new ConvLabException("cannot read architecture file " + file + ": " + e.getMessage());
        }
    }

    static ArchitectureSpec read(InputStream in, String source) throws IOException {
        return read(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), source);
    }

    private static ConvLabException explain(JsonProcessingException e, String source) {
        if (e.getCause() instanceof ConvLabException c) {
            return new ConvLabException(source + ": " + c.getMessage(), e);
        }
        String where = e instanceof JsonMappingException m ? path(m) : "";
        String what;
        if (e instanceof InvalidTypeIdException t) {
            what = "unknown layer type '" + t.getTypeId() + "'; known types: " + LayerSpec.KNOWN_TYPES;
        } else if (e instanceof UnrecognizedPropertyException u) {
            what = "unknown setting '" + u.getPropertyName() + "'; known: "
                    + u.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
        } else if (e.getOriginalMessage().startsWith("Missing required creator property")) {
            what = "missing required setting";
        } else {
            what = e.getOriginalMessage();
        }
        return new ConvLabException(source + (where.isEmpty() ? "" : " at " + where) + ": " + what, e);
    }

    /** Jackson's location as {@code layers[3].kernel}. */
    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            } else if (ref.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(ref.getFieldName());
            }
        }
        return sb.toString();
    }
}
