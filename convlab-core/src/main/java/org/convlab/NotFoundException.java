package org.convlab;

/** Bad input naming something that does not exist: a model, a version, a file. (HTTP: 404.) */
public class NotFoundException extends ConvLabException {
    public NotFoundException(String message) {
        super(message);
    }
}
