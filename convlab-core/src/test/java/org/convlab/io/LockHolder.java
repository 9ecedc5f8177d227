package org.convlab.io;

import java.nio.file.Path;

/** A second process for lock tests: takes the lock on args[0], says "locked", and waits to be killed. */
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        OwnerLock lock = OwnerLock.tryAcquire(Path.of(args[0])).orElseThrow();
        System.out.println("locked");
        System.out.flush();
        Thread.sleep(120_000);
        lock.close();
    }
}
