package dev.verity.chain;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;

/**
 * An Ethereum chain as Verity uses it: deploy, call, transact, read receipts and logs, and (on
 * development chains) move time forward. Two implementations pass the same test suite:
 * {@link EmbeddedChain} (go-ethereum's EVM in-process via libevm) and {@link RpcChain} (any JSON-RPC
 * node through web3j, signing locally).
 *
 * <p>Addresses are lower-case 0x-prefixed hex strings. {@code send} and {@code deploy} wait until the
 * transaction is mined; a transaction that reverts throws {@link RevertException} carrying the
 * decoded reason, so callers never mistake a failed move for a successful one.
 */
public interface Chain extends AutoCloseable {

    /** "embedded" or "rpc". */
    String kind();

    long chainId();

    /** Accounts this chain can send from (it holds their keys, or needs none). */
    List<String> accounts();

    /** Deploys creation code (bytecode followed by ABI-encoded constructor arguments). */
    Receipt deploy(String from, byte[] creationCode);

    /** Sends a transaction, waits for it to be mined; throws {@link RevertException} if it reverts. */
    Receipt send(String from, String to, byte[] data);

    /** Executes a read-only call against the latest state; throws {@link RevertException} if it reverts. */
    byte[] call(String from, String to, byte[] data);

    Optional<Receipt> receipt(String txHash);

    /** Logs emitted by {@code address} (null = any) with topic0 {@code topic0} (null = any), in order. */
    List<Receipt.Log> logs(String address, String topic0, long fromBlock, long toBlock);

    /**
     * Logs of {@code address} whose first indexed argument (topic1) is {@code topic1} (a 0x-prefixed
     * 32-byte word), any topic0, in order. A JSON-RPC node filters on its side, so following one
     * dispute or task does not read the contract's whole history.
     */
    default List<Receipt.Log> logsWithTopic1(String address, String topic1, long fromBlock, long toBlock) {
        List<Receipt.Log> out = new java.util.ArrayList<>();
        for (Receipt.Log l : logs(address, null, fromBlock, toBlock)) {
            if (l.topics().size() > 1 && l.topics().get(1).equalsIgnoreCase(topic1)) out.add(l);
        }
        return out;
    }

    long blockNumber();

    /** Timestamp of the latest block, seconds. */
    long timestamp();

    /** Development chains only: moves time forward and mines a block with the new timestamp. */
    void advanceTime(long seconds);

    BigInteger etherBalance(String address);

    /** The runtime code at {@code address} (empty for an account without code). */
    byte[] code(String address);

    @Override
    void close();

    /** Thrown when a transaction or call reverts. {@link #reason()} is the decoded Error(string), if any. */
    final class RevertException extends RuntimeException {
        private final String reason;
        private final Receipt receipt;

        public RevertException(String reason, String detail, Receipt receipt) {
            super("reverted: " + (reason != null ? reason : detail));
            this.reason = reason;
            this.receipt = receipt;
        }

        /** The revert reason string, or null when the revert carried none. */
        public String reason() {
            return reason;
        }

        /** The failed receipt when the transaction was mined (embedded chain); null otherwise. */
        public Receipt receipt() {
            return receipt;
        }
    }
}
