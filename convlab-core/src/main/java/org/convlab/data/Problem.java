package org.convlab.data;

/** A file or folder that cannot be used, and why. */
public record Problem(String path, String reason) {
}
