package org.convlab.io;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.util.Locale;

/** I/O failures in words: "access denied: /proc/x", not a bare path or a class name. */
public final class IoErrors {
    private IoErrors() {
    }

    public static String describe(IOException e) {
        String kind = e.getClass().getSimpleName().replace("Exception", "").replaceAll("(?<=[a-z])(?=[A-Z])", " ")
                .toLowerCase(Locale.ROOT);
        String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : null;
        String what = e instanceof FileSystemException f && f.getFile() != null ? f.getFile() : e.getMessage();
        return (reason != null ? reason.toLowerCase(Locale.ROOT) : kind) + (what == null ? "" : ": " + what);
    }
}
