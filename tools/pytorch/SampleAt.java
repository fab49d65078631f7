// SPDX-License-Identifier: Apache-2.0
/*
 * Prints Verity's KeyedShuffle.sampleAt for the cases given on standard input, one per line:
 * "seed n batch step row" (seed a signed 64-bit decimal, split into lo/hi words as DataOps does).
 * Output: one sample index per line. Used by reference_trajectories.py --check-java to prove
 * that its Python Philox/KeyedShuffle equals Verity's. Run from the repository root after
 * `mvn -B -o -q compile -pl verity-tensor`:
 *
 *   java -cp verity-tensor/target/classes tools/pytorch/SampleAt.java < cases.txt
 */
import dev.verity.tensor.rng.KeyedShuffle;
import java.io.BufferedReader;
import java.io.InputStreamReader;

public class SampleAt {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        StringBuilder out = new StringBuilder();
        for (String line; (line = in.readLine()) != null;) {
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\\s+");
            long seed = Long.parseLong(f[0]);
            int n = Integer.parseInt(f[1]);
            int batch = Integer.parseInt(f[2]);
            int step = Integer.parseInt(f[3]);
            int row = Integer.parseInt(f[4]);
            out.append(KeyedShuffle.sampleAt((int) seed, (int) (seed >>> 32), n, batch, step, row)).append('\n');
        }
        System.out.print(out);
    }
}
