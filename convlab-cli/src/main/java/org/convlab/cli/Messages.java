package org.convlab.cli;

import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;

/** The library's bad-input messages as the command line says them: settings named by their flags. */
final class Messages {
    private Messages() {
    }

    static String forCommandLine(ConvLabException e) {
        return e instanceof BadSettingException bad ? bad.messageNaming(Setting::flag) : e.getMessage();
    }
}
