package dev.verity.tensor.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * A token stream for next-token prediction: a character-level corpus of a text ({@link #of}), or a
 * corpus of token ids made by a tokenizer elsewhere ({@link #ofTokens}).
 *
 * <p>The vocabulary is the sorted set of distinct Unicode code points of the text (sorted by code
 * point value, so it does not depend on the locale or on hash order); token {@code i} stands for
 * {@code vocab()[i]}. The whole text is one token stream; its last 10% (precisely the last
 * {@code size() / 10} tokens, integer division) is the validation split, the rest the training
 * split. A window of length T at offset o of a split is input {@code split[o .. o+T)} and target
 * {@code split[o+1 .. o+T+1)}: each target is the token after its input.
 *
 * <p>A corpus of token ids has the vocabulary {@code 0 .. vocabSize-1} (each id stands for
 * itself) and no text: {@link #encode} and {@link #decode} refuse it, since the tokenizer that maps
 * ids to text is not known here.
 */
public final class TextCorpus {
    /** Which part of the token stream. */
    public enum Split {
        TRAIN, VALIDATION
    }

    /** One next-token window: {@code target[i]} is the token that follows {@code input[i]}. */
    public record Window(int[] input, int[] target) {
        public Window {
            if (input.length != target.length) {
                throw new IllegalArgumentException("input and target lengths differ: " + input.length + " vs "
                        + target.length);
            }
        }
    }

    private final String name;
    private final String source;
    private final int[] vocab;
    private final int[] tokens;
    private final int trainSize;
    private final boolean hasText;

    private TextCorpus(String name, String source, int[] vocab, int[] tokens, boolean hasText) {
        this.name = name;
        this.source = source;
        this.vocab = vocab;
        this.tokens = tokens;
        this.trainSize = tokens.length - tokens.length / 10;
        this.hasText = hasText;
    }

    /** Builds the corpus of {@code text}, with the vocabulary of exactly its characters. */
    public static TextCorpus of(String name, String source, String text) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        if (text.isEmpty()) {
            throw new IllegalArgumentException("corpus " + name + ": text is empty");
        }
        int[] cps = text.codePoints().toArray();
        int[] vocab = Arrays.stream(cps).distinct().sorted().toArray();
        TextCorpus c = new TextCorpus(name, source, vocab, new int[0], true);
        return new TextCorpus(name, source, vocab, c.encodeCodePoints(cps), true);
    }

    /**
     * A corpus of token ids (copied), each in {@code [0, vocabSize)}; its vocabulary is
     * {@code 0 .. vocabSize-1} and it has no text.
     */
    public static TextCorpus ofTokens(String name, String source, int[] tokens, int vocabSize) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        if (tokens.length == 0) {
            throw new IllegalArgumentException("corpus " + name + ": no tokens");
        }
        if (vocabSize < 1) {
            throw new IllegalArgumentException("corpus " + name + ": vocabSize must be >= 1, got " + vocabSize);
        }
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocabSize) {
                throw new IllegalArgumentException("corpus " + name + ": token " + i + " is " + tokens[i]
                        + ", outside the vocabulary [0, " + vocabSize + ")");
            }
        }
        int[] vocab = new int[vocabSize];
        Arrays.setAll(vocab, i -> i);
        return new TextCorpus(name, source, vocab, tokens.clone(), false);
    }

    public String name() {
        return name;
    }

    /** Where the text came from (a path or a resource name). */
    public String source() {
        return source;
    }

    /** Whether the tokens stand for characters of a text ({@link #of}), not ids of an outside tokenizer ({@link #ofTokens}). */
    public boolean hasText() {
        return hasText;
    }

    /** The vocabulary: distinct code points in increasing order, or {@code 0 .. vocabSize-1} for token ids (a copy). */
    public int[] vocab() {
        return vocab.clone();
    }

    public int vocabSize() {
        return vocab.length;
    }

    /** Number of tokens (code points) in the whole text. */
    public int size() {
        return tokens.length;
    }

    /** The whole token stream (a copy). */
    public int[] tokens() {
        return tokens.clone();
    }

    public int token(int i) {
        return tokens[i];
    }

    /** Tokens in the training split: {@code size() - size() / 10}. */
    public int trainSize() {
        return trainSize;
    }

    /** Tokens in the validation split: {@code size() / 10}. */
    public int validationSize() {
        return tokens.length - trainSize;
    }

    /** The tokens of one split (a copy). */
    public int[] tokens(Split split) {
        return split == Split.TRAIN ? Arrays.copyOfRange(tokens, 0, trainSize)
                : Arrays.copyOfRange(tokens, trainSize, tokens.length);
    }

    private int splitStart(Split split) {
        return split == Split.TRAIN ? 0 : trainSize;
    }

    private int splitSize(Split split) {
        return split == Split.TRAIN ? trainSize : tokens.length - trainSize;
    }

    /**
     * Number of distinct window offsets of length {@code T} in a split: {@code splitSize - T}
     * (offsets 0 .. splitSize-T-1), or 0 if the split is too short.
     */
    public int numWindows(Split split, int T) {
        if (T < 1) {
            throw new IllegalArgumentException("window length must be >= 1, got " + T);
        }
        return Math.max(0, splitSize(split) - T);
    }

    /**
     * The window of length {@code T} at {@code offset} within {@code split}: input tokens
     * {@code [offset, offset+T)}, targets {@code [offset+1, offset+T+1)}. Windows never cross from
     * the training split into the validation split.
     */
    public Window window(Split split, int offset, int T) {
        int[] in = new int[T];
        int[] tg = new int[T];
        window(split, offset, T, in, 0, tg, 0);
        return new Window(in, tg);
    }

    /**
     * Writes the window into caller-owned arrays (for filling a batch without allocation):
     * {@code input[inPos .. inPos+T)} and {@code target[tgPos .. tgPos+T)}.
     */
    public void window(Split split, int offset, int T, int[] input, int inPos, int[] target, int tgPos) {
        int n = numWindows(split, T);
        if (offset < 0 || offset >= n) {
            throw new IllegalArgumentException("window offset " + offset + " with length " + T + " is outside the "
                    + split + " split (" + splitSize(split) + " tokens, valid offsets 0.." + (n - 1) + ")");
        }
        int start = splitStart(split) + offset;
        System.arraycopy(tokens, start, input, inPos, T);
        System.arraycopy(tokens, start + 1, target, tgPos, T);
    }

    /** Token ids of {@code text}; every character must be in the vocabulary. */
    public int[] encode(String text) {
        requireText();
        return encodeCodePoints(text.codePoints().toArray());
    }

    private int[] encodeCodePoints(int[] cps) {
        int[] out = new int[cps.length];
        for (int i = 0; i < cps.length; i++) {
            int t = Arrays.binarySearch(vocab, cps[i]);
            if (t < 0) {
                throw new IllegalArgumentException(String.format("character '%s' (U+%04X) at code point index %d is"
                        + " not in the vocabulary of corpus %s", Character.toString(cps[i]), cps[i], i, name));
            }
            out[i] = t;
        }
        return out;
    }

    /** The text of token ids. */
    public String decode(int[] ids) {
        requireText();
        StringBuilder sb = new StringBuilder(ids.length);
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab.length) {
                throw new IllegalArgumentException("token " + ids[i] + " at index " + i + " is outside the vocabulary [0, "
                        + vocab.length + ")");
            }
            sb.appendCodePoint(vocab[ids[i]]);
        }
        return sb.toString();
    }

    private void requireText() {
        if (!hasText) {
            throw new IllegalStateException("corpus " + name + " holds token ids, not characters: it has no text to"
                    + " encode or decode");
        }
    }

    @Override
    public String toString() {
        return "TextCorpus[" + name + ", " + tokens.length + " tokens, vocab " + vocab.length + ", from " + source + "]";
    }
}
