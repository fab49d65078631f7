package dev.verity.chain;

import io.horizen.evm.Address;
import io.horizen.evm.BlockHashCallback;
import io.horizen.evm.Evm;
import io.horizen.evm.EvmContext;
import io.horizen.evm.ForkRules;
import io.horizen.evm.Hash;
import io.horizen.evm.Invocation;
import io.horizen.evm.MemoryDatabase;
import io.horizen.evm.StateDB;
import io.horizen.evm.results.EvmLog;
import io.horizen.evm.results.InvocationResult;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.web3j.crypto.ContractUtils;
import org.web3j.utils.Numeric;

/**
 * An in-process Ethereum chain: go-ethereum's EVM (Shanghai rules) through libevm, with an in-memory
 * state database. Every transaction is mined in its own block (like Hardhat's automine); block
 * timestamps advance one second per block plus whatever {@link #advanceTime} adds. Gas accounting
 * follows the yellow paper: intrinsic gas (21000, calldata 4/16 per byte, creation 32000 plus
 * EIP-3860 initcode words) plus execution, minus the EIP-3529 refund (at most gasUsed/5). Gas price
 * is zero, so accounts need no ether; ether balances still exist and can be set.
 *
 * <p>libevm ships native code for linux and windows on x86-64 only. On other platforms the
 * constructor throws {@link UnsupportedOperationException} saying so; use {@link RpcChain} with any
 * Ethereum node instead.
 *
 * <p>Transaction hashes are keccak256(sender || nonce || chainId || to || data): unique per
 * transaction, but not the hash of a signed RLP transaction (nothing is signed in-process).
 */
public final class EmbeddedChain implements Chain {
    public static final long CHAIN_ID = 31337;
    public static final long BLOCK_GAS_LIMIT = 30_000_000L;

    private final MemoryDatabase db;
    private final StateDB state;
    private final List<String> accounts;
    private final BlockHashCallback blockHashes;
    private final Map<String, Receipt> receipts = new LinkedHashMap<>();
    private final List<Receipt.Log> allLogs = new ArrayList<>();
    /** Logs by emitter and first indexed argument: following one dispute reads its own logs, not the whole history. */
    private final Map<String, List<Receipt.Log>> logsByTopic1 = new java.util.HashMap<>();
    private long blockNumber = 0;
    private long timestamp;
    private boolean closed;

    /** True where libevm has native code (linux or windows, x86-64). */
    public static boolean isSupported() {
        return unsupportedReason() == null;
    }

    /** Why the embedded EVM cannot run here, or null when it can. */
    public static String unsupportedReason() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
        boolean osOk = os.contains("linux") || os.contains("windows");
        if (x64 && osOk) return null;
        return "the embedded EVM (io.horizen:libevm) ships native code for linux and windows on x86-64 only, not "
                + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
                + "; run against an Ethereum JSON-RPC node instead (e.g. --rpc http://127.0.0.1:8545)";
    }

    public EmbeddedChain() {
        this(DevAccounts.addresses(10));
    }

    public EmbeddedChain(List<String> fundedAccounts) {
        String why = unsupportedReason();
        if (why != null) throw new UnsupportedOperationException(why);
        this.db = new MemoryDatabase();
        this.state = new StateDB(db, StateDB.EMPTY_ROOT_HASH);
        this.accounts = List.copyOf(fundedAccounts);
        this.timestamp = System.currentTimeMillis() / 1000;
        for (String a : accounts) state.setBalance(new Address(a), BigInteger.TEN.pow(22));
        this.blockHashes = new BlockHashCallback() {
            @Override
            protected Hash getBlockHash(BigInteger n) {
                // Synthetic but fixed block hashes: keccak256("verity-embedded-block" || n).
                return new Hash(org.web3j.crypto.Hash.sha3(Abi.concat("verity-embedded-block".getBytes(), Numeric.toBytesPadded(n, 32))));
            }
        };
    }

    @Override
    public String kind() {
        return "embedded";
    }

    @Override
    public long chainId() {
        return CHAIN_ID;
    }

    @Override
    public List<String> accounts() {
        return accounts;
    }

    private EvmContext context(long number, long time) {
        EvmContext ctx = new EvmContext(BigInteger.valueOf(CHAIN_ID), Address.ZERO, BigInteger.valueOf(BLOCK_GAS_LIMIT), BigInteger.ZERO,
                BigInteger.valueOf(number), BigInteger.valueOf(time), BigInteger.ZERO, Hash.ZERO, new ForkRules(true));
        ctx.setBlockHashCallback(blockHashes);
        return ctx;
    }

    static long intrinsicGas(byte[] data, boolean create) {
        long gas = 21_000;
        for (byte b : data) gas += b == 0 ? 4 : 16;
        if (create) gas += 32_000 + 2L * ((data.length + 31) / 32);
        return gas;
    }

    @Override
    public synchronized Receipt deploy(String from, byte[] creationCode) {
        return execute(from, null, creationCode);
    }

    @Override
    public synchronized Receipt send(String from, String to, byte[] data) {
        if (to == null) throw new IllegalArgumentException("send needs a destination; use deploy to create contracts");
        return execute(from, to, data);
    }

    private Receipt execute(String from, String to, byte[] data) {
        ensureOpen();
        Address sender = new Address(from);
        BigInteger nonce = state.getNonce(sender);
        long intrinsic = intrinsicGas(data, to == null);
        if (intrinsic > BLOCK_GAS_LIMIT) throw new IllegalArgumentException("intrinsic gas above block gas limit");
        blockNumber += 1;
        timestamp += 1;
        String txHash = Numeric.toHexString(org.web3j.crypto.Hash.sha3(Abi.concat(sender.toBytes(), Numeric.toBytesPadded(nonce, 32),
                Numeric.toBytesPadded(BigInteger.valueOf(CHAIN_ID), 32), to == null ? new byte[0] : new Address(to).toBytes(), data)));
        Hash txh = new Hash(Numeric.hexStringToByteArray(txHash));
        state.setTxContext(txh, 0);
        state.subRefund(state.getRefund()); // refund counter is per transaction
        Address callee = to == null ? null : new Address(to);
        state.accessSetup(sender, callee, Address.ZERO, new ForkRules(true));
        long execGas = BLOCK_GAS_LIMIT - intrinsic;
        // The transaction-level nonce bump is ours and comes first, as in go-ethereum's state
        // transition: libevm runs only the message, and derives a creation address from the
        // sender's nonce minus one (measured: nonce 5 creates at CREATE(sender, 4)).
        state.setNonce(sender, nonce.add(BigInteger.ONE));
        InvocationResult r = Evm.Apply(state, new Invocation(sender, callee, BigInteger.ZERO, data, BigInteger.valueOf(execGas), false),
                context(blockNumber, timestamp));
        boolean ok = r.executionError == null || r.executionError.isEmpty();
        long used = intrinsic + (execGas - r.leftOverGas.longValueExact());
        if (ok) used -= Math.min(state.getRefund().longValueExact(), used / 5);
        List<Receipt.Log> logs = new ArrayList<>();
        if (ok) {
            for (EvmLog l : state.getLogs(txh)) {
                List<String> topics = new ArrayList<>();
                for (Hash t : l.topics) topics.add(Numeric.toHexString(t.toBytes()));
                logs.add(new Receipt.Log(Numeric.toHexString(l.address.toBytes()), List.copyOf(topics), l.data == null ? new byte[0] : l.data,
                        blockNumber, txHash));
            }
        }
        state.finalizeChanges();
        String created = null;
        if (ok && to == null) {
            created = ContractUtils.generateContractAddress(from.toLowerCase(Locale.ROOT), nonce).toLowerCase(Locale.ROOT);
            if (r.contractAddress != null && !created.equals(Numeric.toHexString(r.contractAddress.toBytes()))) {
                throw new IllegalStateException("libevm created " + r.contractAddress + ", expected " + created);
            }
        }
        Receipt receipt = new Receipt(txHash, blockNumber, ok, used, created, List.copyOf(logs));
        receipts.put(txHash, receipt);
        allLogs.addAll(logs);
        for (Receipt.Log l : logs) {
            if (l.topics().size() > 1) logsByTopic1.computeIfAbsent(topic1Key(l.address(), l.topics().get(1)), k -> new ArrayList<>()).add(l);
        }
        if (!ok) {
            String reason = r.reverted ? Abi.revertReason(r.returnData) : null;
            String detail = r.returnData == null || r.returnData.length == 0 ? r.executionError
                    : r.executionError + " (undecoded revert data " + Numeric.toHexString(r.returnData) + ")";
            throw new RevertException(reason, detail, receipt);
        }
        return receipt;
    }

    @Override
    public synchronized byte[] call(String from, String to, byte[] data) {
        ensureOpen();
        int snap = state.snapshot();
        try {
            InvocationResult r = Evm.Apply(state, new Invocation(new Address(from), new Address(to), BigInteger.ZERO, data,
                    BigInteger.valueOf(BLOCK_GAS_LIMIT), false), context(blockNumber + 1, timestamp + 1));
            if (r.executionError != null && !r.executionError.isEmpty()) {
                throw new RevertException(r.reverted ? Abi.revertReason(r.returnData) : null, r.executionError, null);
            }
            return r.returnData == null ? new byte[0] : r.returnData;
        } finally {
            state.revertToSnapshot(snap);
        }
    }

    @Override
    public synchronized Optional<Receipt> receipt(String txHash) {
        return Optional.ofNullable(receipts.get(txHash.toLowerCase(Locale.ROOT)));
    }

    @Override
    public synchronized List<Receipt.Log> logs(String address, String topic0, long fromBlock, long toBlock) {
        List<Receipt.Log> out = new ArrayList<>();
        for (Receipt.Log l : allLogs) {
            if (l.blockNumber() < fromBlock || l.blockNumber() > toBlock) continue;
            if (address != null && !l.address().equalsIgnoreCase(address)) continue;
            if (topic0 != null && !topic0.equalsIgnoreCase(l.topic0())) continue;
            out.add(l);
        }
        return out;
    }

    @Override
    public synchronized List<Receipt.Log> logsWithTopic1(String address, String topic1, long fromBlock, long toBlock) {
        if (address == null) return Chain.super.logsWithTopic1(null, topic1, fromBlock, toBlock);
        List<Receipt.Log> out = new ArrayList<>();
        for (Receipt.Log l : logsByTopic1.getOrDefault(topic1Key(address, topic1), List.of())) {
            if (l.blockNumber() >= fromBlock && l.blockNumber() <= toBlock) out.add(l);
        }
        return out;
    }

    private static String topic1Key(String address, String topic1) {
        return address.toLowerCase(Locale.ROOT) + "/" + topic1.toLowerCase(Locale.ROOT);
    }

    @Override
    public synchronized long blockNumber() {
        return blockNumber;
    }

    @Override
    public synchronized long timestamp() {
        return timestamp;
    }

    /** Mines an empty block {@code seconds} later (block timestamps never go backwards). */
    @Override
    public synchronized void advanceTime(long seconds) {
        if (seconds < 0) throw new IllegalArgumentException("time cannot go backwards");
        blockNumber += 1;
        timestamp += seconds;
    }

    @Override
    public synchronized BigInteger etherBalance(String address) {
        return state.getBalance(new Address(address));
    }

    @Override
    public synchronized byte[] code(String address) {
        byte[] c = state.getCode(new Address(address));
        return c == null ? new byte[0] : c;
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("chain closed");
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            state.close();
            db.close();
            blockHashes.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing libevm handles", e);
        }
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }
}
