package dev.verity.cli;

import java.io.Console;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars fit for where the output goes: on a terminal one line redrawn in place; on a file or a pipe a plain
 * line now and then, so a log of {@code verity demo} or {@code verity train} holds readable lines instead of
 * carriage-return frames.
 */
final class ProgressBars {
    /** How often a bar writes a plain line when stderr is not a terminal. */
    static final int PLAIN_LINE_MILLIS = 5_000;

    private ProgressBars() {}

    /** A bar named {@code task} counting {@code max} steps, with the units and speed shown. */
    static ProgressBarBuilder steps(String task, long max, int redrawMillis) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                .setUnit(" steps", 1).showSpeed().continuousUpdate();
        if (terminal()) {
            return b.setUpdateIntervalMillis(redrawMillis);
        }
        return b.setUpdateIntervalMillis(PLAIN_LINE_MILLIS).setConsumer(new DelegatingProgressBarConsumer(System.err::println));
    }

    /** Whether the process writes to an interactive terminal (Console.isTerminal: not a file or a pipe). */
    static boolean terminal() {
        Console c = System.console();
        return c != null && c.isTerminal();
    }
}
