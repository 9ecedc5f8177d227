package org.convlab.data;

import java.awt.image.BufferedImage;

/**
 * An image as decoded from a file, already normalised to 8-bit BGR pixels ({@code image}), with
 * what the file held: its size and its {@code mode} ("RGB", "grey", "RGBA", "CMYK", "16-bit grey",
 * "indexed", ...).
 */
public record DecodedImage(BufferedImage image, int width, int height, String mode) {
}
