package dev.verity.tensor.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvAndDatasetTest {
    static Dataset csv(String text, Csv.Options o) throws IOException {
        return Csv.load(new StringReader(text), "t", "t.csv", o);
    }

    static String csvError(String text, Csv.Options o) {
        return assertThrows(IOException.class, () -> csv(text, o)).getMessage();
    }

    @Test
    void loadsHeaderLastColumnLabel(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("iris.csv");
        Files.writeString(f, "a, b ,label\n0.1,-2e3,1\n\n.5 , 7 ,0\r\n3.,+4,2\n");
        Dataset d = Csv.load(f, Csv.Options.defaults());
        assertEquals("iris.csv", d.name());
        assertEquals(3, d.size());
        assertEquals(2, d.featureSize());
        assertArrayEquals(new int[] {2}, d.sampleShape());
        assertArrayEquals(new float[] {0.1f, -2000f, 0.5f, 7f, 3f, 4f}, d.features());
        assertArrayEquals(new int[] {1, 0, 2}, d.labels());
        assertEquals(3, d.numClasses());
    }

    @Test
    void namedLabelColumnNoHeaderDelimiterAndClassCount() throws IOException {
        Dataset d = csv("y;x1;x2\n4;1;2\n0;3;4\n", Csv.Options.defaults().withDelimiter(';').withLabelColumn("y")
                .withNumClasses(10));
        assertArrayEquals(new float[] {1, 2, 3, 4}, d.features());
        assertArrayEquals(new int[] {4, 0}, d.labels());
        assertEquals(10, d.numClasses());
        Dataset n = csv("1,2,0\n3,4,1\n", Csv.Options.defaults().withHeader(false));
        assertEquals(2, n.size());
        assertArrayEquals(new int[] {0, 1}, n.labels());
    }

    @Test
    void errorsNameTheLineAndColumn() {
        Csv.Options o = Csv.Options.defaults();
        assertEquals("t.csv:3: expected 3 columns, got 2", csvError("a,b,y\n1,2,0\n1,2\n", o));
        assertEquals("t.csv:2, column 2 ('b'): 'x' is not a decimal number", csvError("a,b,y\n1,x,0\n", o));
        assertEquals("t.csv:2, column 1 ('a'): 'NaN' is not a decimal number", csvError("a,b,y\nNaN,1,0\n", o));
        assertEquals("t.csv:2, column 1 ('a'): '1f' is not a decimal number", csvError("a,b,y\n1f,1,0\n", o));
        assertEquals("t.csv:2, column 1 ('a'): '1e39' overflows float32", csvError("a,b,y\n1e39,1,0\n", o));
        assertEquals("t.csv:2, column 3 ('y'): label '-1' is not a non-negative integer", csvError("a,b,y\n1,1,-1\n", o));
        assertEquals("t.csv:2, column 3 ('y'): label '1.0' is not a non-negative integer", csvError("a,b,y\n1,1,1.0\n", o));
        assertEquals("t.csv:2, column 3 ('y'): label '99999999999' is too large", csvError("a,b,y\n1,1,99999999999\n", o));
        assertEquals("t.csv:3, column 3 ('y'): label 5 is outside [0, 5)",
                csvError("a,b,y\n1,1,4\n1,1,5\n", o.withNumClasses(5)));
        assertEquals("t.csv:1, column 2: 'b' is not a decimal number", csvError("1,b,0\n", o.withHeader(false)));
        assertTrue(csvError("a,b,y\n", o).contains("no data rows"));
        assertTrue(csvError("", o).contains("no data rows"));
        assertTrue(csvError("a;b;y\n1;2;3\n", o).contains("need at least 2 columns"));
        assertTrue(csvError("a,b,y\n1,2,0\n", o.withLabelColumn("label")).contains("no label column named 'label'"));
        assertThrows(IllegalArgumentException.class, () -> new Csv.Options(false, "y", ',', 0));
        assertThrows(IllegalArgumentException.class, () -> Csv.Options.defaults().withDelimiter('.'));
        assertThrows(IllegalArgumentException.class, () -> Csv.Options.defaults().withNumClasses(-1));
    }

    @Test
    void datasetValidatesAndSlices() {
        Dataset d = new Dataset("d", "mem", new int[] {2}, new float[] {1, 2, 3, 4, 5, 6}, new int[] {0, 1, 2}, 3);
        assertEquals(3, d.size());
        assertArrayEquals(new float[] {3, 4}, d.sample(1));
        assertArrayEquals(new int[] {3, 2}, d.featuresTensor().shape());
        Dataset s = d.slice(1, 3);
        assertArrayEquals(new float[] {3, 4, 5, 6}, s.features());
        assertArrayEquals(new int[] {1, 2}, s.labels());
        assertFalse(s.contentEquals(d));
        assertTrue(d.contentEquals(new Dataset("d", "other", new int[] {2}, d.features().clone(), d.labels().clone(), 3)));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("d", "m", new int[] {2}, new float[5], new int[3], 3));
        assertEquals("dataset d: 3 labels x 2 features per sample (shape [2]) needs 6 feature values, got 5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("d", "m", new int[] {1}, new float[2], new int[] {0, 3}, 3));
        assertEquals("dataset d: label of sample 1 is 3, outside [0, 3)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Dataset("d", "m", new int[] {1}, new float[1], new int[1], 0));
        assertThrows(IllegalArgumentException.class, () -> new Dataset("d", "m", new int[] {-1}, new float[0], new int[0], 1));
        assertThrows(IllegalArgumentException.class, () -> d.slice(2, 4));
        // sampleShape is defensively copied both ways.
        int[] shape = {2};
        Dataset c = new Dataset("d", "m", shape, new float[2], new int[1], 1);
        shape[0] = 7;
        c.sampleShape()[0] = 9;
        assertArrayEquals(new int[] {2}, c.sampleShape());
    }
}
