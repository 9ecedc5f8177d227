package org.convlab;

/**
 * A problem with what the user gave us (a bad spec, a missing file, a wrong shape).
 * The command line turns it into one line on stderr and exit code 2; its message must
 * say what is wrong, where, and what to do about it.
 */
public class ConvLabException extends RuntimeException {
    public ConvLabException(String message) {
        super(message);
    }

    public ConvLabException(String message, Throwable cause) {
        super(message, cause);
    }
}
