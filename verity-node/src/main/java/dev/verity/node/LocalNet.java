package dev.verity.node;

import dev.verity.chain.ChainSelftest;
import dev.verity.chain.EmbeddedChain;
import dev.verity.chain.Verity;
import dev.verity.proof.store.LocalBlobStore;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;

/**
 * A whole Verity network in one JVM: the embedded EVM with the contracts deployed (the real
 * binary32 referee), a blob store on local disk, and the development accounts. Roles are built on
 * top of it by the caller; they see only {@link #verity} and {@link #store}.
 */
public final class LocalNet implements AutoCloseable {
    public final EmbeddedChain chain;
    public final Verity verity;
    public final LocalBlobStore store;
    public final Path dir;
    /** The development accounts; 0 deploys, 1 is the treasury, the rest are for roles. */
    public final List<String> accounts;

    private LocalNet(EmbeddedChain chain, Verity verity, LocalBlobStore store, Path dir) {
        this.chain = chain;
        this.verity = verity;
        this.store = store;
        this.dir = dir;
        this.accounts = chain.accounts();
    }

    /** Starts the chain, deploys with a one-hour round timeout, and opens a blob store under {@code dir}. */
    public static LocalNet start(Path dir) throws IOException {
        return start(dir, dev.verity.chain.TaskRules.defaults());
    }

    /** As {@link #start(Path)}, new tasks starting under {@code rules}. */
    public static LocalNet start(Path dir, dev.verity.chain.TaskRules rules) throws IOException {
        EmbeddedChain chain = new EmbeddedChain();
        try {
            List<String> acc = chain.accounts();
            Verity.Config cfg = Verity.Config.defaults().withRoundTimeout(3600).withRules(rules);
            Verity v = Verity.deploy(chain, acc.get(0), acc.get(1), cfg);
            return new LocalNet(chain, v, new LocalBlobStore(dir.resolve("blobs")), dir);
        } catch (RuntimeException e) {
            chain.close();
            throw e;
        }
    }

    public String deployer() {
        return accounts.get(0);
    }

    public String treasury() {
        return accounts.get(1);
    }

    /** Role account {@code i} (0-based, after deployer and treasury). */
    public String account(int i) {
        return accounts.get(2 + i);
    }

    /** Gives {@code who} tokens from the deployer's initial supply. */
    public void fund(String who, BigInteger amount) {
        verity.transfer(deployer(), who, amount);
    }

    /**
     * Token conservation: every token of the supply is in exactly one place — an account, the
     * market's escrow, the staking contract (stakes), or the game (bonds) — and each contract holds
     * exactly what its books say. Throws naming the first difference.
     */
    public void checkConservation() {
        ChainSelftest.checkConservation(verity, accounts);
    }

    @Override
    public void close() {
        chain.close();
    }
}
