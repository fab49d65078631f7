package dev.verity.tensor.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextCorpusTest {
    @Test
    void vocabularyIsSortedCodePointsAndRoundTrips() {
        // U+1F600 is a surrogate pair in UTF-16: it must be one token, sorted by code point (after 'é').
        String text = "hello, w\u00e9rld \uD83D\uDE00!\nhe";
        TextCorpus c = TextCorpus.of("t", "mem", text);
        assertArrayEquals(new int[] {'\n', ' ', '!', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w', 0xe9, 0x1F600}, c.vocab());
        assertEquals(text.codePointCount(0, text.length()), c.size());
        assertEquals(text, c.decode(c.tokens()));
        assertArrayEquals(new int[] {6, 5, 7}, c.encode("hel"));
        assertEquals(12, c.encode("\uD83D\uDE00")[0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.encode("hex"));
        assertEquals("character 'x' (U+0078) at code point index 2 is not in the vocabulary of corpus t", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.decode(new int[] {13}));
        assertThrows(IllegalArgumentException.class, () -> c.decode(new int[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> TextCorpus.of("t", "mem", ""));
    }

    @Test
    void splitsAndWindows() {
        String text = "abcdefghijklmnopqrstuvwxy"; // 25 tokens: 23 train, 2 validation (25 / 10 = 2)
        TextCorpus c = TextCorpus.of("t", "mem", text);
        assertEquals(23, c.trainSize());
        assertEquals(2, c.validationSize());
        assertEquals("xy", c.decode(c.tokens(TextCorpus.Split.VALIDATION)));
        assertEquals(text.substring(0, 23), c.decode(c.tokens(TextCorpus.Split.TRAIN)));

        TextCorpus.Window w = c.window(TextCorpus.Split.TRAIN, 2, 4);
        assertEquals("cdef", c.decode(w.input()));
        assertEquals("defg", c.decode(w.target()));
        assertEquals(19, c.numWindows(TextCorpus.Split.TRAIN, 4));
        TextCorpus.Window last = c.window(TextCorpus.Split.TRAIN, 18, 4);
        assertEquals("stuv", c.decode(last.input()));
        assertEquals("tuvw", c.decode(last.target())); // 'w' is the last training token: no leak into validation
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.window(TextCorpus.Split.TRAIN, 19, 4));
        assertEquals("window offset 19 with length 4 is outside the TRAIN split (23 tokens, valid offsets 0..18)",
                e.getMessage());
        TextCorpus.Window v = c.window(TextCorpus.Split.VALIDATION, 0, 1);
        assertEquals("x", c.decode(v.input()));
        assertEquals("y", c.decode(v.target()));
        assertEquals(0, c.numWindows(TextCorpus.Split.VALIDATION, 2));
        assertThrows(IllegalArgumentException.class, () -> c.window(TextCorpus.Split.TRAIN, -1, 4));
        assertThrows(IllegalArgumentException.class, () -> c.numWindows(TextCorpus.Split.TRAIN, 0));

        // Batch filling into caller arrays at positions.
        int[] in = new int[8];
        int[] tg = new int[8];
        c.window(TextCorpus.Split.TRAIN, 0, 4, in, 0, tg, 0);
        c.window(TextCorpus.Split.TRAIN, 10, 4, in, 4, tg, 4);
        assertEquals("abcdklmn", c.decode(in));
        assertEquals("bcdelmno", c.decode(tg));
    }

    @Test
    void kjvCorpus() throws IOException {
        TextCorpus k = Datasets.kjv();
        assertTrue(k.source().startsWith("classpath:"), k.source());
        assertEquals(4_137_849, k.size());
        String text = k.decode(k.tokens());
        assertTrue(text.startsWith("In the beginning God created the heaven and the earth.\n"
                + "And the earth was without form, and void;"), text.substring(0, 100));
        assertTrue(text.endsWith("The grace of our Lord Jesus Christ be with you all. Amen.\n"));
        assertEquals(31_102, text.chars().filter(ch -> ch == '\n').count()); // one verse per line
        // Plain prose: no verse-number prefixes, printable ASCII plus newline.
        assertTrue(k.vocabSize() > 50 && k.vocabSize() < 100, "vocab " + k.vocabSize());
        for (int cp : k.vocab()) {
            assertTrue(cp == '\n' || (cp >= 32 && cp < 127), "unexpected char U+" + Integer.toHexString(cp));
        }
        assertTrue(!text.contains("\n1 ") && !text.contains("Genesis 1\n"));
        assertEquals(k.size() - k.size() / 10, k.trainSize());
    }

    @Test
    void textFilesRawAndGzippedAndStrictUtf8(@TempDir Path dir) throws IOException {
        Path raw = dir.resolve("a.txt");
        Files.writeString(raw, "na\u00efve text\n", StandardCharsets.UTF_8);
        Path gz = dir.resolve("a.txt.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write("na\u00efve text\n".getBytes(StandardCharsets.UTF_8));
        }
        TextCorpus a = Datasets.text("a", raw);
        TextCorpus b = Datasets.kjv(gz);
        assertArrayEquals(a.tokens(), b.tokens());
        assertArrayEquals(a.vocab(), b.vocab());
        assertEquals(gz.toAbsolutePath().toString(), b.source());
        Path bad = dir.resolve("bad.txt");
        Files.write(bad, new byte[] {'a', (byte) 0xC3, 'b'});
        IOException e = assertThrows(IOException.class, () -> Datasets.text("bad", bad));
        assertTrue(e.getMessage().contains("is not valid UTF-8"), e.getMessage());
        Path trunc = dir.resolve("t.gz");
        byte[] g = Files.readAllBytes(gz);
        Files.write(trunc, java.util.Arrays.copyOf(g, g.length - 10));
        e = assertThrows(IOException.class, () -> Datasets.text("t", trunc));
        assertTrue(e.getMessage().contains("corrupt gzip data"), e.getMessage());
        assertThrows(IOException.class, () -> Datasets.text("none", dir.resolve("missing.txt")));
    }
}
