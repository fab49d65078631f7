package dev.verity.tensor.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * Loader for numeric CSV files: every column is a feature except one integer label column.
 *
 * <p>Deliberately simple and strict, because a dataset is committed to by hash and a silently
 * skipped or misparsed cell would change it: no quoting, every row has the same number of cells,
 * cells are trimmed of spaces, blank lines are skipped. A feature cell must be a plain decimal
 * number ({@code -1.5}, {@code 2e-3}, {@code .5}); it is parsed with {@link Float#parseFloat},
 * which rounds correctly and does not depend on the locale. NaN, infinities, hex floats and Java
 * suffixes such as {@code 1f} are rejected, as is a decimal that overflows float. A label is a
 * non-negative decimal integer.
 */
public final class Csv {
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern INTEGER = Pattern.compile("\\+?\\d+");

    private Csv() {
    }

    /**
     * How to read a CSV file.
     *
     * @param header      whether the first non-blank line is a header of column names
     * @param labelColumn name of the label column (needs {@code header}); {@code null} means the last column
     * @param delimiter   cell separator, e.g. {@code ','} or {@code ';'}
     * @param numClasses  number of classes; {@code 0} means max label + 1
     */
    public record Options(boolean header, String labelColumn, char delimiter, int numClasses) {
        public Options {
            if (labelColumn != null && !header) {
                throw new IllegalArgumentException("a named label column ('" + labelColumn + "') needs header = true");
            }
            if (numClasses < 0) {
                throw new IllegalArgumentException("numClasses must be >= 0 (0 = infer), got " + numClasses);
            }
            if (delimiter == '"' || delimiter == '\n' || delimiter == '\r' || delimiter == '.' || delimiter == '-'
                    || delimiter == '+' || Character.isLetterOrDigit(delimiter)) {
                throw new IllegalArgumentException("delimiter '" + delimiter + "' would be ambiguous with number syntax");
            }
        }

        /** Comma-separated, header line, label in the last column, classes inferred. */
        public static Options defaults() {
            return new Options(true, null, ',', 0);
        }

        public Options withHeader(boolean h) {
            return new Options(h, h ? labelColumn : null, delimiter, numClasses);
        }

        public Options withLabelColumn(String name) {
            return new Options(header, name, delimiter, numClasses);
        }

        public Options withDelimiter(char d) {
            return new Options(header, labelColumn, d, numClasses);
        }

        public Options withNumClasses(int n) {
            return new Options(header, labelColumn, delimiter, n);
        }
    }

    public static Dataset load(Path file, Options options) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
            return load(r, name, file.toString(), options);
        }
    }

    /**
     * Reads CSV text. Errors are {@link IOException}s naming {@code source} and the 1-based line
     * number (and column, for a bad cell).
     */
    public static Dataset load(Reader reader, String name, String source, Options options) throws IOException {
        BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        String delim = Pattern.quote(String.valueOf(options.delimiter()));
        Layout layout = null;
        Rows rows = new Rows();
        int lineNo = 0;
        String line;
        while ((line = in.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(delim, -1);
            for (int i = 0; i < cells.length; i++) {
                cells[i] = cells[i].strip();
            }
            if (layout == null) {
                // The first non-blank line fixes the column count; with a header it carries no data.
                layout = Layout.of(cells, options, source, lineNo);
                if (options.header()) {
                    continue;
                }
            }
            if (cells.length != layout.columns()) {
                throw new IOException(source + ":" + lineNo + ": expected " + layout.columns() + " columns, got "
                        + cells.length);
            }
            rows.add(cells, layout, options, source, lineNo);
        }
        if (rows.count == 0) {
            throw new IOException(source + ": no data rows");
        }
        int numClasses = options.numClasses();
        if (numClasses == 0) {
            for (int i = 0; i < rows.count; i++) {
                numClasses = Math.max(numClasses, rows.labels[i] + 1);
            }
        }
        return new Dataset(name, source, new int[] {layout.columns() - 1}, Arrays.copyOf(rows.feats, rows.nf),
                Arrays.copyOf(rows.labels, rows.count), numClasses);
    }

    /**
     * The column layout, from the first non-blank line.
     *
     * @param names header cells, or {@code null} without a header
     */
    private record Layout(int columns, int labelCol, String[] names) {
        static Layout of(String[] cells, Options options, String source, int lineNo) throws IOException {
            int columns = cells.length;
            if (columns < 2) {
                throw new IOException(source + ":" + lineNo + ": need at least 2 columns (features and a label), got "
                        + columns + " (is the delimiter '" + options.delimiter() + "' right?)");
            }
            int labelCol = columns - 1;
            if (!options.header()) {
                return new Layout(columns, labelCol, null);
            }
            if (options.labelColumn() != null) {
                labelCol = Arrays.asList(cells).indexOf(options.labelColumn());
                if (labelCol < 0) {
                    throw new IOException(source + ":" + lineNo + ": no label column named '"
                            + options.labelColumn() + "' in header " + Arrays.toString(cells));
                }
            }
            return new Layout(columns, labelCol, cells);
        }

        /** How an error names column {@code c}: its 1-based number, and its header name if there is one. */
        String describe(int c) {
            return names == null ? "column " + (c + 1) : "column " + (c + 1) + " ('" + names[c] + "')";
        }
    }

    /** Growing row-major feature values and labels of the rows read so far. */
    private static final class Rows {
        float[] feats = new float[1024];
        int nf;
        int[] labels = new int[256];
        int count;

        void add(String[] cells, Layout layout, Options options, String source, int lineNo) throws IOException {
            int columns = layout.columns();
            if (nf + columns - 1 > feats.length) {
                long grown = Math.max((long) feats.length * 2, (long) nf + columns);
                if (grown > Integer.MAX_VALUE - 8) {
                    throw new IOException(source + ":" + lineNo + ": too many feature values for one float[]");
                }
                feats = Arrays.copyOf(feats, (int) grown);
            }
            if (count == labels.length) {
                labels = Arrays.copyOf(labels, labels.length * 2);
            }
            for (int c = 0; c < columns; c++) {
                String where = source + ":" + lineNo + ", " + layout.describe(c);
                if (c == layout.labelCol()) {
                    labels[count] = label(cells[c], options, where);
                } else {
                    feats[nf++] = feature(cells[c], where);
                }
            }
            count++;
        }
    }

    private static int label(String cell, Options options, String where) throws IOException {
        if (!INTEGER.matcher(cell).matches()) {
            throw new IOException(where + ": label '" + cell + "' is not a non-negative integer");
        }
        int v;
        try {
            v = Integer.parseInt(cell);
        } catch (NumberFormatException e) {
            throw new IOException(where + ": label '" + cell + "' is too large");
        }
        if (options.numClasses() > 0 && v >= options.numClasses()) {
            throw new IOException(where + ": label " + v + " is outside [0, " + options.numClasses() + ")");
        }
        return v;
    }

    private static float feature(String cell, String where) throws IOException {
        if (!DECIMAL.matcher(cell).matches()) {
            throw new IOException(where + ": '" + cell + "' is not a decimal number");
        }
        float v = Float.parseFloat(cell);
        if (Float.isInfinite(v)) {
            throw new IOException(where + ": '" + cell + "' overflows float32");
        }
        return v;
    }
}
