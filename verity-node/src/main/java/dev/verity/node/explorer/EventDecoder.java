package dev.verity.node.explorer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.chain.Artifacts;
import dev.verity.chain.Receipt;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * Decodes the logs of Verity's contracts by the event ABIs of the committed compiler output, so an
 * event added or changed in a contract is decoded by its new signature without a hand-kept copy here.
 * A log whose topic0 is no known event is kept under the name {@code "?"} with its raw words.
 */
final class EventDecoder {
    /** The contracts whose events the explorer indexes, by their role in a deployment. */
    static final List<String> CONTRACTS = List.of("TaskMarket", "DisputeGame", "Staking", "ModelRegistry", "VerityToken");

    /** One event input: its name, ABI type and whether it is indexed (a topic). */
    private record Input(String name, String type, boolean indexed) {}

    private record EventAbi(String name, List<Input> inputs) {}

    /** A decoded log: the event's name and its arguments by name (numbers, 0x hex, lists). */
    record Decoded(String name, Map<String, Object> args) {}

    private final Map<String, EventAbi> byTopic = new TreeMap<>();

    EventDecoder() {
        for (String c : CONTRACTS) {
            for (JsonNode item : Artifacts.load(c).get("abi")) {
                if (!"event".equals(item.path("type").asText())) {
                    continue;
                }
                List<Input> in = new ArrayList<>();
                List<String> types = new ArrayList<>();
                for (JsonNode i : item.get("inputs")) {
                    in.add(new Input(i.get("name").asText(), i.get("type").asText(), i.path("indexed").asBoolean()));
                    types.add(i.get("type").asText());
                }
                String sig = item.get("name").asText() + "(" + String.join(",", types) + ")";
                byTopic.put(Numeric.toHexString(Hash.sha3(sig.getBytes(java.nio.charset.StandardCharsets.US_ASCII))),
                        new EventAbi(item.get("name").asText(), List.copyOf(in)));
            }
        }
    }

    /** The event names the ABIs declare (for documentation and tests). */
    List<String> names() {
        return byTopic.values().stream().map(EventAbi::name).distinct().sorted().toList();
    }

    Decoded decode(Receipt.Log l) {
        EventAbi abi = l.topic0() == null ? null : byTopic.get(l.topic0().toLowerCase(Locale.ROOT));
        if (abi == null) {
            Map<String, Object> raw = new LinkedHashMap<>();
            raw.put("topics", l.topics());
            raw.put("data", Numeric.toHexString(l.data()));
            return new Decoded("?", raw);
        }
        try {
            return new Decoded(abi.name(), args(abi, l));
        } catch (RuntimeException e) {
            // a log that claims a known topic but does not decode (another contract's event with the same signature is filtered
            // out by address before this; this guards against a changed ABI): keep it, raw
            Map<String, Object> raw = new LinkedHashMap<>();
            raw.put("data", Numeric.toHexString(l.data()));
            raw.put("decodeError", String.valueOf(e.getMessage()));
            return new Decoded(abi.name(), raw);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Map<String, Object> args(EventAbi abi, Receipt.Log l) {
        List<TypeReference<Type>> refs = new ArrayList<>();
        for (Input i : abi.inputs()) {
            if (!i.indexed()) {
                refs.add((TypeReference) ref(i.type()));
            }
        }
        List<Type> values = refs.isEmpty() ? List.of() : FunctionReturnDecoder.decode(Numeric.toHexString(l.data()), (List) refs);
        Map<String, Object> out = new LinkedHashMap<>();
        int topic = 1;
        int data = 0;
        for (Input i : abi.inputs()) {
            if (i.indexed()) {
                out.put(i.name(), wide(i.name(), i.type(), topicValue(i.type(), l.topics().get(topic++))));
            } else {
                out.put(i.name(), wide(i.name(), i.type(), plain(values.get(data++))));
            }
        }
        return out;
    }

    private static TypeReference<?> ref(String type) {
        try {
            return TypeReference.makeTypeReference(type);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("unsupported ABI type " + type, e);
        }
    }

    private static Object topicValue(String type, String topic) {
        if (type.equals("address")) {
            return "0x" + topic.substring(topic.length() - 40).toLowerCase(Locale.ROOT);
        }
        if (type.startsWith("uint")) {
            return number(new BigInteger(topic.substring(2), 16));
        }
        if (type.equals("bool")) {
            return new BigInteger(topic.substring(2), 16).signum() != 0;
        }
        return topic.toLowerCase(Locale.ROOT);
    }

    /** A web3j value as JSON-friendly Java: Long where it fits (else a decimal string), 0x hex for bytes, lists for arrays. */
    private static Object plain(Type<?> t) {
        Object v = t.getValue();
        if (t instanceof Address a) {
            return a.getValue().toLowerCase(Locale.ROOT);
        }
        if (v instanceof BigInteger b) {
            return number(b);
        }
        if (v instanceof byte[] b) {
            return Numeric.toHexString(b);
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object o : list) {
                out.add(plain((Type<?>) o));
            }
            return out;
        }
        return v;
    }

    /**
     * Integers wider than 64 bits (amounts in wei, prices) are always decimal strings, so a reader sees one type per field;
     * ids and indices (uint256 in the ABI, small in practice) stay numbers.
     */
    private static Object wide(String name, String type, Object v) {
        if (name.endsWith("Id") || name.equals("index")) {
            return v;
        }
        if (v instanceof Long n && type.matches("u?int(7[2-9]|[89][0-9]|1[0-9][0-9]|2[0-5][0-9])?")) {
            return n.toString();
        }
        return v;
    }

    /** Amounts in wei exceed a long: those stay exact as decimal strings. */
    static Object number(BigInteger b) {
        return b.bitLength() < 63 ? (Object) b.longValueExact() : b.toString();
    }
}
