package dev.verity.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrainCommandTest {
    record Result(int code, String out, String err) {
    }

    static synchronized Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = VerityCli.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "train --model foo|unknown model 'foo'",
        "train|Missing required option: '--model",
        "train --model mlp --steps -1|--steps must be in [0, 2^24]",
        "train --model mlp --steps x|Invalid value for option '--steps'",
        "train --model mlp --threads 0|threads must be between 1 and 1024",
        "train --model mlp --vector-bits 384|--vector-bits must be 256 or 512",
        "train --model mlp --data /nonexistent/dir|--data must be a directory",
        "train --model gpt --data /nonexistent/file.txt|no such file",
        "train --model mlp --resume /nonexistent/state.safetensors|/nonexistent/state.safetensors",
        "train --model mlp --checkpoint-every 5|--checkpoint-every needs --save FILE",
        "train --model mlp --bogus|Unknown option: '--bogus'",
    })
    void badArgumentsGiveOneClearLineAndNonZeroExit(String args, String expected) {
        Result r = run(args.split(" "));
        assertTrue(r.code() != 0, "exit code");
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("verity: ") && first.contains(expected), "stderr was: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void trainPrintsAccuracyAndStateHashAndResumes(@TempDir Path dir) throws Exception {
        Path s = dir.resolve("s.safetensors");
        Result full = run("train", "--model", "mlp", "--steps", "4", "--batch", "16", "--quiet");
        assertEquals(0, full.code(), full.err());
        assertTrue(full.out().contains("test accuracy: "), full.out());
        String hash = hash(full.out());

        Result half = run("train", "--model", "mlp", "--steps", "4", "--batch", "16", "--quiet", "--save", s.toString(),
                "--checkpoint-every", "2", "--threads", "1");
        assertEquals(0, half.code(), half.err());
        assertEquals(hash, hash(half.out()), "1 thread and the default thread count agree");
        assertTrue(Files.size(s) > 0);
        // a run "killed" after its step-2 checkpoint resumes to the same final state
        Path mid = dir.resolve("mid.safetensors");
        assertEquals(0, run("train", "--model", "mlp", "--steps", "4", "--batch", "16", "--quiet", "--save", mid.toString(),
                "--checkpoint-every", "2").code());
        Result resumed = run("train", "--model", "mlp", "--steps", "4", "--batch", "16", "--quiet", "--resume", s.toString());
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resumed from"), resumed.out());
        assertEquals(hash, hash(resumed.out()));
        Result wrong = run("train", "--model", "mlp", "--steps", "4", "--batch", "32", "--quiet", "--resume", s.toString());
        assertTrue(wrong.code() != 0 && wrong.err().contains("different run"), wrong.err());
    }

    static String hash(String out) {
        Matcher m = Pattern.compile("state-sha256: ([0-9a-f]{64})").matcher(out);
        assertTrue(m.find(), out);
        return m.group(1);
    }
}
