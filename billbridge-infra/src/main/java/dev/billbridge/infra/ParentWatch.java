package dev.billbridge.infra;

import java.util.Optional;

/**
 * Ends this process when the process that started it is gone. A test JVM killed with -9, or a
 * terminal closed under {@code ./billbridge up}, must not leave a broker and a database running.
 */
final class ParentWatch {

    private ParentWatch() {
    }

    static void exitWhenParentDies() {
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        if (parent.isEmpty()) {
            return;
        }
        long parentPid = parent.get().pid();
        Thread watcher = new Thread(() -> {
            while (true) {
                boolean alive = ProcessHandle.of(parentPid).map(ProcessHandle::isAlive).orElse(false);
                // Re-parenting (to init or a subreaper) also means our parent is gone.
                long current = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
                if (!alive || current != parentPid) {
                    System.err.println(InfraMain.PREFIX + "parent process " + parentPid + " is gone, shutting down");
                    System.exit(0);
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "billbridge-infra-parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }
}
