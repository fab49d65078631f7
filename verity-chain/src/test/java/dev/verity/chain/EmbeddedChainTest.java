package dev.verity.chain;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

class EmbeddedChainTest extends ChainContractTest {
    private EmbeddedChain chain;

    @BeforeEach
    void open() {
        chain = new EmbeddedChain();
    }

    @AfterEach
    void close() {
        chain.close();
    }

    @Override
    Chain chain() {
        return chain;
    }
}
