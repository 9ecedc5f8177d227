package org.convlab;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BadSettingExceptionTest {
    @Test
    void theLibrarySaysWordsAndEachEdgeItsOwnNames() {
        BadSettingException e = new BadSettingException(Setting.RESUME, "%s: no checkpoint in "
                + BadSettingException.literal("/tmp/100%/x") + "; run without %s");
        assertEquals("resume: no checkpoint in /tmp/100%/x; run without resume", e.getMessage());
        assertEquals("--resume: no checkpoint in /tmp/100%/x; run without --resume", e.messageNaming(Setting::flag));
        assertEquals("?resume=: no checkpoint in /tmp/100%/x; run without ?resume=", e.messageNaming(s -> "?resume="));
    }
}
