package dev.verity.tensor.data;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** The NumPy fixtures under test resources, written by their make_fixtures.py. */
final class NumpyFixtures {
    private NumpyFixtures() {
    }

    static Path fixture(String name) {
        URL u = NumpyFixtures.class.getResource("/dev/verity/tensor/data/numpy/" + name);
        if (u == null) {
            throw new IllegalStateException("missing test fixture " + name + " (run make_fixtures.py)");
        }
        try {
            return Path.of(u.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
