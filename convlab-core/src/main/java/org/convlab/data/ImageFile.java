package org.convlab.data;

import java.nio.file.Path;

/** A usable image of a class folder: where it is, its class, its size and what the file held. */
public record ImageFile(Path path, String label, int width, int height, String mode) {
}
