package org.convlab.serve;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Jetty's own refusals (a path Jetty will not route, a URL or header over its limits, a bad Content-Length, a
 * chunked upload over the size limit) answered with the JSON body every other error of the server has,
 * {@code {"error": "..."}}, whatever the client accepts, instead of Jetty's HTML page.
 */
final class JsonErrorHandler extends org.eclipse.jetty.server.handler.ErrorHandler {
    @Override
    protected boolean generateAcceptableResponse(Request request, Response response, Callback callback, String contentType,
                                                 List<Charset> charsets, int code, String message, Throwable cause) {
        return answer(response, callback, code, message);
    }

    /** The same answers for errors inside the servlet context that Javalin runs in. */
    static final class ForServlets extends org.eclipse.jetty.ee10.servlet.ErrorHandler {
        @Override
        protected boolean generateAcceptableResponse(Request request, Response response, Callback callback, String contentType,
                                                     List<Charset> charsets, int code, String message, Throwable cause) {
            return answer(response, callback, code, message);
        }
    }

    private static boolean answer(Response response, Callback callback, int code, String message) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
        return true;
    }

    /** Requests Jetty could not parse at all: the body of its one-shot answer. */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body(status, reason));
    }

    static byte[] body(int code, String message) {
        String reason = HttpStatus.getMessage(code);
        String text = code + " " + reason + (message == null || message.isBlank() || message.equals(reason) ? "" : ": " + message);
        try {
            return InferenceServer.JSON.writeValueAsBytes(Map.of("error", text));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return ("{\"error\": \"" + code + "\"}").getBytes(StandardCharsets.UTF_8);
        }
    }
}
