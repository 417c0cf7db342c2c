package dev.billbridge.ops;

import java.io.PrintWriter;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code billbridge-ops}: the operators' tool. Exit codes: 0 done, 1 failure (including a refused
 * replay), 2 usage error.
 */
@Command(name = "billbridge-ops", mixinStandardHelpOptions = true, versionProvider = OpsMain.Version.class,
        description = "Operate billbridge's topics, consumer groups and Chargebee cache: lag, replay, redrive, "
                + "reconcile, events.%nConfiguration as the services: KAFKA_BOOTSTRAP_SERVERS, DATABASE_JDBC_URL, "
                + "DATABASE_USERNAME, DATABASE_PASSWORD, CHARGEBEE_SITE, CHARGEBEE_API_KEY, CHARGEBEE_API_BASE_URL "
                + "(each also an option).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:failure (also: replay refused while the group is active)", "2:usage error"},
        subcommands = {LagCommand.class, ReplayCommand.class, RedriveCommand.class, ReconcileCommand.class,
                EventsCommand.class, CommandLine.HelpCommand.class})
public final class OpsMain implements Runnable {

    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        // no subcommand: that is a usage error, not a silent success
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests call {@code execute} on it with their own writers. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new OpsMain());
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            PrintWriter err = cmd.getErr();
            if (ex instanceof OpsException) {
                err.println("error: " + ex.getMessage());
            } else {
                // unexpected: the class name helps support; a stack trace only on request
                err.println("error: " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
                if (Boolean.getBoolean("billbridge.ops.trace")) {
                    ex.printStackTrace(err);
                }
            }
            err.flush();
            return FAILURE;
        });
        cl.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException ? USAGE : FAILURE);
        return cl;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = OpsMain.class.getPackage().getImplementationVersion();
            return new String[]{"billbridge-ops " + (v == null ? "(development build)" : v)};
        }
    }
}
