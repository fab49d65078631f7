package dev.verity.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.source.tree.AnnotationTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.LineMap;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.NewClassTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.SourcePositions;
import com.sun.source.util.TreeScanner;
import com.sun.source.util.Trees;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No method of any module's production code ({@code src/main/java}) is longer than {@value #MAX_LINES} lines, except
 * the hand-unrolled kernels of {@link #ALLOWED}, each with its reason: a long method that mixes orchestration,
 * configuration and narration is split into named steps instead.
 *
 * <p>Lengths are measured on the JDK's own parse of each file ({@link JavacTask#parse()}, positions from
 * {@link SourcePositions}): from the method's first line after its annotations (its modifiers, type parameters or
 * return type) to its closing brace, both counted. Lambdas and anonymous classes count in the method that holds them (a
 * method of an anonymous or local class is also measured itself). Comments and strings cannot fool the count.
 *
 * <p>A method is named by its class (the package, the top-level class and the nested classes, an anonymous class as
 * {@code <anonymous Type>}) and its name: overloads share the name. An allowlisted method must still be long: one
 * that shrinks, or is renamed or removed, fails {@link #everyAllowedMethodIsStillALongKernel()} until its entry goes.
 */
class MethodLengthTest {
    static final int MAX_LINES = 80;

    /** Hand-unrolled kernels, where one long straight-line method is the point: method key to reason. */
    static final Map<String, String> ALLOWED = Map.of(
            "dev.verity.tensor.kernel.Transpose16.block",
            "a 16x16 transpose unrolled by hand into register shuffles: a loop or helpers would spill the vectors",
            "dev.verity.tensor.kernel.VectorGemm.directBlock",
            "the GEMM micro-kernel: a register tile of accumulators unrolled by hand, one FMA chain per output",
            "dev.verity.tensor.kernel.GemmKernelsDirectWide.kernelDirectPair",
            "the paired GEMM micro-kernel: two register tiles unrolled by hand so both stay in registers",
            "dev.verity.tensor.kernel.Conv2dKernels.kxTile",
            "the convolution's kernel-width tile unrolled by hand: accumulators held in registers across the taps",
            "dev.verity.tensor.ops.SoftmaxOps.SoftmaxGrad.forward",
            "SOFTMAX_GRAD's vectorized rows unrolled by hand, in the exact FMA order the referee replays");

    static final Path ROOT = ModuleGraphTest.ROOT;

    @Test
    void noProductionMethodIsLongerThanTheLimitButTheAllowedKernels() throws IOException {
        List<Path> modules = modules();
        assertTrue(modules.size() >= 8, "every module's src/main/java is scanned: " + modules);
        List<String> tooLong = new ArrayList<>();
        int methods = 0;
        for (Path m : modules) {
            Map<String, Integer> lengths = lengths(javaFiles(m.resolve("src/main/java")));
            methods += lengths.size();
            lengths.forEach((key, lines) -> {
                if (lines > MAX_LINES && !ALLOWED.containsKey(key)) {
                    tooLong.add(ROOT.relativize(m) + ": " + key + " (" + lines + " lines)");
                }
            });
        }
        assertTrue(methods > 1000, "the scan measured the production methods (" + methods + ")");
        assertEquals(List.of(), tooLong, "methods longer than " + MAX_LINES + " lines: split them into named steps"
                + " (or, for a hand-unrolled kernel, allowlist it with its reason)");
    }

    @Test
    void everyAllowedMethodIsStillALongKernel() throws IOException {
        Map<String, Integer> all = new LinkedHashMap<>();
        for (Path m : modules()) {
            all.putAll(lengths(javaFiles(m.resolve("src/main/java"))));
        }
        for (var e : ALLOWED.entrySet()) {
            Integer lines = all.get(e.getKey());
            assertNotNull(lines, e.getKey() + " is allowlisted but no longer exists: remove its entry");
            assertTrue(lines > MAX_LINES, e.getKey() + " is allowlisted but has shrunk to " + lines + " lines: remove its entry");
            assertTrue(!e.getValue().isBlank(), e.getKey() + ": an allowlisted method needs its reason");
        }
    }

    /** The control: a synthetic source with a long method (and a long one in a nested class) is caught; the rest is not. */
    @Test
    void aLongMethodIsCaught(@TempDir Path dir) throws IOException {
        StringBuilder src = new StringBuilder("package p.q;\n\nclass Long {\n");
        src.append("    /** A method of exactly the limit (80 lines). */\n    @Deprecated\n    @SuppressWarnings(\"unused\")\n");
        method(src, "    ", "int atTheLimit()", MAX_LINES);
        method(src, "    ", "int tooLong(int a,\n            int b)", MAX_LINES + 21);
        src.append("    static final class Inner {\n");
        method(src, "        ", "void alsoTooLong()", MAX_LINES + 1);
        src.append("    }\n\n    Runnable r = new Runnable() {\n");
        method(src, "        ", "public void run()", 5);
        src.append("    };\n    abstract static class A {\n        abstract void noBody();\n    }\n}\n");
        Path f = Files.createDirectories(dir.resolve("p/q")).resolve("Long.java");
        Files.writeString(f, src, StandardCharsets.UTF_8);

        Map<String, Integer> lengths = lengths(List.of(f));
        assertEquals(Map.of("p.q.Long.atTheLimit", MAX_LINES, "p.q.Long.tooLong", MAX_LINES + 21, "p.q.Long.Inner.alsoTooLong", MAX_LINES + 1,
                "p.q.Long.<anonymous Runnable>.run", 5), lengths);
        List<String> caught = lengths.entrySet().stream().filter(e -> e.getValue() > MAX_LINES && !ALLOWED.containsKey(e.getKey()))
                .map(Map.Entry::getKey).sorted().toList();
        assertEquals(List.of("p.q.Long.Inner.alsoTooLong", "p.q.Long.tooLong"), caught);
    }

    /** Appends a method whose declaration (signature lines included) to its closing brace is {@code lines} lines long. */
    private static void method(StringBuilder src, String indent, String signature, int lines) {
        src.append(indent).append(signature).append(" {\n");
        int body = lines - 1 - (int) signature.chars().filter(c -> c == '\n').count() - 1;
        src.append(indent).append("    int x = 0; // a comment with a brace }\n");
        for (int i = 1; i < body; i++) {
            src.append(indent).append(i % 2 == 0 ? "    x += \"}\".length();\n" : "    /* } */ x++;\n");
        }
        src.append(indent).append("}\n\n");
    }

    /** The modules: the root's directories with a {@code src/main/java}. */
    static List<Path> modules() throws IOException {
        try (Stream<Path> s = Files.list(ROOT)) {
            return s.filter(d -> Files.isDirectory(d.resolve("src/main/java"))).sorted().toList();
        }
    }

    static List<Path> javaFiles(Path dir) throws IOException {
        return ModuleGraphTest.files(dir).stream().filter(f -> f.toString().endsWith(".java")).toList();
    }

    /** Every method with a body in these files, by key (class + name; overloads keep the longest), to its length in lines. */
    static Map<String, Integer> lengths(List<Path> files) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "the JDK's compiler (jdk.compiler) is available");
        Map<String, Integer> out = new LinkedHashMap<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            Iterable<? extends JavaFileObject> units = fm.getJavaFileObjectsFromPaths(files);
            StringWriter diagnostics = new StringWriter();
            JavacTask task = (JavacTask) javac.getTask(diagnostics, fm, d -> { }, List.of("-proc:none"), null, units);
            SourcePositions pos = Trees.instance(task).getSourcePositions();
            for (CompilationUnitTree cu : task.parse()) {
                new Measure(cu, pos, out).scan(cu, null);
            }
        }
        return out;
    }

    /** Walks one file's classes and methods, recording each method's length under its key. */
    private static final class Measure extends TreeScanner<Void, Void> {
        private final CompilationUnitTree cu;
        private final SourcePositions pos;
        private final Map<String, Integer> out;
        private final CharSequence text;
        private final Deque<String> names = new ArrayDeque<>();

        Measure(CompilationUnitTree cu, SourcePositions pos, Map<String, Integer> out) throws IOException {
            this.cu = cu;
            this.pos = pos;
            this.out = out;
            this.text = cu.getSourceFile().getCharContent(true);
            if (cu.getPackageName() != null) {
                names.push(cu.getPackageName().toString());
            }
        }

        @Override
        public Void visitClass(ClassTree c, Void unused) {
            names.addLast(c.getSimpleName().toString());
            try {
                return super.visitClass(c, unused);
            } finally {
                names.removeLast();
            }
        }

        @Override
        public Void visitNewClass(NewClassTree n, Void unused) {
            if (n.getClassBody() == null) {
                return super.visitNewClass(n, unused);
            }
            // the anonymous class's body is a ClassTree with an empty name: name it after its type
            scan(n.getEnclosingExpression(), unused);
            scan(n.getArguments(), unused);
            names.addLast("<anonymous " + n.getIdentifier() + ">");
            try {
                return super.visitClass(n.getClassBody(), unused);
            } finally {
                names.removeLast();
            }
        }

        @Override
        public Void visitMethod(MethodTree m, Void unused) {
            if (m.getBody() != null) {
                long start = pos.getStartPosition(cu, m);
                for (AnnotationTree a : m.getModifiers().getAnnotations()) {
                    start = Math.max(start, pos.getEndPosition(cu, a));
                }
                while (start < text.length() && Character.isWhitespace(text.charAt((int) start))) {
                    start++;
                }
                LineMap lines = cu.getLineMap();
                int length = (int) (lines.getLineNumber(pos.getEndPosition(cu, m.getBody()) - 1) - lines.getLineNumber(start) + 1);
                String name = m.getName().contentEquals("<init>") ? names.getLast() : m.getName().toString();
                out.merge(String.join(".", names) + "." + name, length, Math::max);
            }
            return super.visitMethod(m, unused);
        }
    }
}
