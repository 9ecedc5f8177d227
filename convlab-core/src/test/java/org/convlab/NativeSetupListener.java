package org.convlab;

import org.convlab.runtime.NativeSetup;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/** Runs {@link NativeSetup#init()} once, before any test class can load ND4J. */
public final class NativeSetupListener implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        NativeSetup.init();
    }
}
