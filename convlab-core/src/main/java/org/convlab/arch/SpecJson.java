package org.convlab.arch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import org.convlab.ConvLabException;
import org.convlab.io.JsonFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** Reads and writes {@link ArchitectureSpec}s as JSON, turning Jackson's errors into plain messages. */
public final class SpecJson {
    private static final ObjectMapper MAPPER = JsonFiles.mapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
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
        String where = JsonFiles.path(e);
        if (where.isEmpty()) {
            where = JsonFiles.location(e);
        }
        String what;
        if (e instanceof InvalidTypeIdException t) {
            what = "unknown layer type '" + t.getTypeId() + "'; known types: " + LayerSpec.KNOWN_TYPES;
        } else if (e instanceof UnrecognizedPropertyException u) {
            what = "unknown setting '" + u.getPropertyName() + "'; known: "
                    + u.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
        } else if (e.getOriginalMessage().startsWith("Missing required creator property")) {
            what = "missing required setting";
        } else {
            what = JsonFiles.problem(e);
        }
        return new ConvLabException(source + (where.isEmpty() ? "" : " at " + where) + ": " + what, e);
    }
}
