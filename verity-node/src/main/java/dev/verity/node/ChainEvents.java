package dev.verity.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.chain.Abi;
import dev.verity.chain.Artifacts;
import dev.verity.chain.Receipt;
import dev.verity.chain.Verity;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import org.web3j.utils.Numeric;

/**
 * Reads Verity's events from the chain, block by block: {@link #poll()} returns what was emitted
 * since the last call (nothing is ever missed or seen twice), so a role can be stepped by hand in
 * one JVM or looped as a daemon. A fresh poller starts at the deployment's block and so replays history, which is
 * how a restarted role finds the tasks and disputes it is part of.
 */
public final class ChainEvents {
    /** One decoded log: the event's name, its indexed topics and its ABI-encoded data words. */
    public record Event(String contract, String name, List<String> topics, byte[] data, long block, String txHash) {
        public long topicLong(int i) {
            return new BigInteger(topics.get(i).substring(2), 16).longValueExact();
        }

        public String topicAddress(int i) {
            String t = topics.get(i);
            return "0x" + t.substring(t.length() - 40).toLowerCase(Locale.ROOT);
        }

        public BigInteger word(int i) {
            return Abi.word(data, i);
        }

        public long wordLong(int i) {
            return Abi.wordLong(data, i);
        }

        public byte[] wordBytes(int i) {
            return Abi.wordBytes(data, i);
        }

        public String wordAddress(int i) {
            return Abi.wordAddress(data, i).toLowerCase(Locale.ROOT);
        }

        public boolean wordBool(int i) {
            return Abi.wordBool(data, i);
        }
    }

    /**
     * Every event of the Verity contracts, by signature, read from the compiled ABIs (so a contract
     * change cannot leave a stale signature here).
     */
    static final List<String> SIGNATURES = eventSignatures("TaskMarket", "DisputeGame", "ModelRegistry", "Staking");

    private static List<String> eventSignatures(String... contracts) {
        List<String> out = new ArrayList<>();
        for (String c : contracts) {
            for (JsonNode item : Artifacts.load(c).get("abi")) {
                if (!"event".equals(item.path("type").asText())) {
                    continue;
                }
                StringJoiner types = new StringJoiner(",", item.get("name").asText() + "(", ")");
                for (JsonNode in : item.get("inputs")) {
                    types.add(in.get("type").asText());
                }
                if (!out.contains(types.toString())) {
                    out.add(types.toString());
                }
            }
        }
        return List.copyOf(out);
    }

    private static final Map<String, String> BY_TOPIC = new TreeMap<>();

    static {
        for (String s : SIGNATURES) {
            BY_TOPIC.put(Abi.eventTopic(s), s.substring(0, s.indexOf('(')));
        }
    }

    /** topic0 of the event named {@code name}. */
    public static String topic(String name) {
        for (String s : SIGNATURES) {
            if (s.startsWith(name + "(")) {
                return Abi.eventTopic(s);
            }
        }
        throw new IllegalArgumentException("unknown event " + name);
    }

    private final Verity v;
    private final Set<String> contracts;
    private long next;

    /** A poller from the block the contracts were deployed in (their whole history). */
    public ChainEvents(Verity v) {
        this(v, v.deployBlock);
    }

    public ChainEvents(Verity v, long fromBlock) {
        this.v = v;
        this.contracts = Set.of(v.market.toLowerCase(Locale.ROOT), v.game.toLowerCase(Locale.ROOT), v.registry.toLowerCase(Locale.ROOT),
                v.staking.toLowerCase(Locale.ROOT));
        this.next = fromBlock;
    }

    /** The first block the next {@link #poll()} reads. */
    public long cursor() {
        return next;
    }

    /** Events of the Verity contracts mined since the last poll, in chain order. */
    public List<Event> poll() {
        long head = v.chain.blockNumber();
        if (head < next) {
            return List.of();
        }
        List<Event> out = new ArrayList<>();
        for (Receipt.Log l : v.chain.logs(null, null, next, head)) {
            Event e = decode(l);
            if (e != null) {
                out.add(e);
            }
        }
        next = head + 1;
        return out;
    }

    private Event decode(Receipt.Log l) {
        String addr = l.address().toLowerCase(Locale.ROOT);
        String name = l.topic0() == null ? null : BY_TOPIC.get(l.topic0());
        if (!contracts.contains(addr) || name == null) {
            return null;
        }
        return new Event(addr, name, l.topics(), l.data(), l.blockNumber(), l.txHash());
    }

    /** Every past event {@code name} of {@code contract} whose first indexed topic is {@code id}, in chain order. */
    public static List<Event> history(Verity v, String contract, String name, long id) {
        String t0 = topic(name);
        String t1 = Numeric.toHexStringWithPrefixZeroPadded(BigInteger.valueOf(id), 64);
        List<Event> out = new ArrayList<>();
        for (Receipt.Log l : v.chain.logsWithTopic1(contract, t1, v.deployBlock, v.chain.blockNumber())) {
            if (t0.equalsIgnoreCase(l.topic0())) {
                out.add(new Event(l.address().toLowerCase(Locale.ROOT), name, l.topics(), l.data(), l.blockNumber(), l.txHash()));
            }
        }
        return out;
    }

    /** The last past event {@code name} about {@code id}, or null. */
    public static Event last(Verity v, String contract, String name, long id) {
        List<Event> h = history(v, contract, name, id);
        return h.isEmpty() ? null : h.get(h.size() - 1);
    }
}
