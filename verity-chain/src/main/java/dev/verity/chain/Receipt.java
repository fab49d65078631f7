package dev.verity.chain;

import java.util.List;

/** A mined transaction. {@code contractAddress} is set for deployments. */
public record Receipt(String txHash, long blockNumber, boolean success, long gasUsed, String contractAddress, List<Log> logs) {

    /** An event log: emitting contract, topics (0x hex, topic0 = event signature hash) and data. */
    public record Log(String address, List<String> topics, byte[] data, long blockNumber, String txHash) {
        public String topic0() {
            return topics.isEmpty() ? null : topics.get(0);
        }
    }
}
