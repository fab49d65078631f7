package dev.verity.proof.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SegmentSamplerTest {
    @Test
    void samplesAreDistinctAndDependOnTheSeed() {
        int[] a = SegmentSampler.sample(1, 100, 10);
        assertEquals(10, Arrays.stream(a).distinct().count());
        assertTrue(!Arrays.equals(a, SegmentSampler.sample(2, 100, 10)));
        assertEquals(5, SegmentSampler.sample(3, 5, 10).length);
    }

    @Test
    void detectionProbabilityMatchesSimulation() {
        int segs = 40;
        int bad = 3;
        int k = 5;
        int hits = 0;
        int trials = 20000;
        for (int t = 0; t < trials; t++) {
            int[] s = SegmentSampler.sample(t * 0x9E3779B97F4A7C15L, segs, k);
            if (Arrays.stream(s).anyMatch(x -> x < bad)) {
                hits++;
            }
        }
        double p = SegmentSampler.detectionProbability(segs, bad, k);
        assertEquals(p, hits / (double) trials, 0.015);
        assertEquals(1.0, SegmentSampler.detectionProbability(10, 6, 5));
        assertEquals(0.0, SegmentSampler.detectionProbability(10, 0, 5));
    }
}
