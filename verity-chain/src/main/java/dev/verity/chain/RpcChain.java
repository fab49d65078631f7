package dev.verity.chain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthGetTransactionReceipt;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/**
 * A chain behind any Ethereum JSON-RPC endpoint (web3j over HTTP). Transactions are signed locally
 * (EIP-155 legacy transactions) with the given keys; the node only needs to accept raw
 * transactions. Before sending, every transaction is gas-estimated: a transaction that would revert
 * is reported with its decoded reason and not sent, so no gas is wasted on it.
 *
 * <p>{@link #advanceTime} uses the development methods {@code evm_increaseTime} and {@code evm_mine}
 * (Hardhat, Anvil, Ganache); on a real network it fails with a clear message.
 */
public final class RpcChain implements Chain {
    private static final long RECEIPT_TIMEOUT_MS = 120_000;

    private final String url;
    private final Web3j web3;
    private final HttpService http;
    private final long chainId;
    private final Map<String, Credentials> keys = new LinkedHashMap<>();
    private final Map<String, BigInteger> nonces = new HashMap<>();

    public RpcChain(String url, List<Credentials> credentials) {
        this.url = url;
        this.http = new HttpService(url);
        this.web3 = Web3j.build(http);
        for (Credentials c : credentials) keys.put(c.getAddress().toLowerCase(Locale.ROOT), c);
        this.chainId = send(web3.ethChainId()).getChainId().longValueExact();
    }

    /** A local development node: signs with the public development keys (see {@link DevAccounts}). */
    public static RpcChain devNode(String url) {
        return new RpcChain(url, DevAccounts.credentials(10));
    }

    public String url() {
        return url;
    }

    @Override
    public String kind() {
        return "rpc";
    }

    @Override
    public long chainId() {
        return chainId;
    }

    @Override
    public List<String> accounts() {
        return List.copyOf(keys.keySet());
    }

    private static <T extends Response<?>> T send(Request<?, T> request) {
        try {
            T r = request.send();
            if (r.hasError()) throw new IllegalStateException("JSON-RPC " + request.getMethod() + " failed: " + r.getError().getMessage());
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException("JSON-RPC " + request.getMethod() + " failed", e);
        }
    }

    private static RevertException revert(Response.Error error) {
        String data = error.getData();
        String reason = null;
        if (data != null) {
            // the revert data: a bare hex string, or (Hardhat, for custom errors) inside an object as its "data" field
            java.util.regex.Matcher hex = java.util.regex.Pattern.compile("0x[0-9a-fA-F]{8,}").matcher(data);
            if (hex.find()) reason = Abi.revertReason(Numeric.hexStringToByteArray(hex.group()));
        }
        if (reason == null) reason = reasonFromMessage(error.getMessage());
        return new RevertException(reason, error.getMessage(), null);
    }

    /** Hardhat puts "reverted with reason string 'X'" in the message when data is absent. */
    private static String reasonFromMessage(String message) {
        if (message == null) return null;
        String key = "reason string '";
        int i = message.indexOf(key);
        if (i < 0) return null;
        int j = message.lastIndexOf('\'');
        return j > i + key.length() ? message.substring(i + key.length(), j) : null;
    }

    @Override
    public synchronized Receipt deploy(String from, byte[] creationCode) {
        return transact(from, null, creationCode);
    }

    @Override
    public synchronized Receipt send(String from, String to, byte[] data) {
        if (to == null) throw new IllegalArgumentException("send needs a destination; use deploy to create contracts");
        return transact(from, to, data);
    }

    private Receipt transact(String from, String to, byte[] data) {
        String sender = from.toLowerCase(Locale.ROOT);
        Credentials key = keys.get(sender);
        if (key == null) throw new IllegalArgumentException("no key for account " + from);
        String hexData = Numeric.toHexString(data);
        EthEstimateGas est;
        try {
            est = web3.ethEstimateGas(new Transaction(sender, null, null, null, to, BigInteger.ZERO, hexData)).send();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (est.hasError()) throw revert(est.getError());
        // Margin over the estimate: estimates are exact for the state they ran on, and state can
        // change between estimate and inclusion on a shared node.
        BigInteger gasLimit = est.getAmountUsed().multiply(BigInteger.valueOf(12)).divide(BigInteger.TEN).add(BigInteger.valueOf(10_000));
        BigInteger gasPrice = send(web3.ethGasPrice()).getGasPrice();
        BigInteger nonce = null;
        EthSendTransaction sent = null;
        // A cached nonce goes stale when another client (another RpcChain on the same node) sends from
        // the same account: "nonce too low" then re-reads the nonce and tries once more.
        for (int attempt = 0; attempt < 2; attempt++) {
            boolean cached = nonces.containsKey(sender);
            nonce = cached ? nonces.get(sender) : send(web3.ethGetTransactionCount(sender, DefaultBlockParameterName.PENDING)).getTransactionCount();
            RawTransaction raw = to == null
                    ? RawTransaction.createContractTransaction(nonce, gasPrice, gasLimit, BigInteger.ZERO, hexData)
                    : RawTransaction.createTransaction(nonce, gasPrice, gasLimit, to, BigInteger.ZERO, hexData);
            byte[] signed = TransactionEncoder.signMessage(raw, chainId, key);
            try {
                sent = web3.ethSendRawTransaction(Numeric.toHexString(signed)).send();
            } catch (IOException e) {
                nonces.remove(sender); // unknown whether it was accepted: re-read the nonce next time
                throw new UncheckedIOException(e);
            }
            if (!sent.hasError()) break;
            nonces.remove(sender);
            String message = sent.getError().getMessage();
            boolean staleNonce = message != null && message.toLowerCase(Locale.ROOT).contains("nonce too low");
            if (!(cached && staleNonce && attempt == 0)) throw revert(sent.getError());
        }
        nonces.put(sender, nonce.add(BigInteger.ONE));
        Receipt r = waitForReceipt(sent.getTransactionHash());
        if (!r.success()) throw new RevertException(null, "transaction " + r.txHash() + " failed on-chain", r);
        return r;
    }

    private Receipt waitForReceipt(String txHash) {
        long deadline = System.currentTimeMillis() + RECEIPT_TIMEOUT_MS;
        while (true) {
            Optional<Receipt> r = receipt(txHash);
            if (r.isPresent()) return r.get();
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("no receipt for " + txHash + " after " + RECEIPT_TIMEOUT_MS + " ms");
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + txHash, e);
            }
        }
    }

    @Override
    public byte[] call(String from, String to, byte[] data) {
        EthCall r;
        try {
            r = web3.ethCall(Transaction.createEthCallTransaction(from, to, Numeric.toHexString(data)), DefaultBlockParameterName.LATEST).send();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (r.hasError()) throw revert(r.getError());
        return Numeric.hexStringToByteArray(r.getValue());
    }

    @Override
    public Optional<Receipt> receipt(String txHash) {
        EthGetTransactionReceipt r = send(web3.ethGetTransactionReceipt(txHash));
        if (r.getTransactionReceipt().isEmpty()) return Optional.empty();
        TransactionReceipt t = r.getTransactionReceipt().get();
        List<Receipt.Log> logs = new ArrayList<>();
        for (Log l : t.getLogs()) logs.add(toLog(l));
        String created = t.getContractAddress() == null ? null : t.getContractAddress().toLowerCase(Locale.ROOT);
        return Optional.of(new Receipt(t.getTransactionHash(), t.getBlockNumber().longValueExact(), t.isStatusOK(), t.getGasUsed().longValueExact(),
                created, List.copyOf(logs)));
    }

    private static Receipt.Log toLog(Log l) {
        List<String> topics = new ArrayList<>();
        for (String s : l.getTopics()) topics.add(s.toLowerCase(Locale.ROOT));
        return new Receipt.Log(l.getAddress().toLowerCase(Locale.ROOT), List.copyOf(topics), Numeric.hexStringToByteArray(l.getData()),
                l.getBlockNumber().longValueExact(), l.getTransactionHash());
    }

    /**
     * Blocks per eth_getLogs request ({@code verity.rpc.logsBlockRange}, default 2,000): public
     * providers refuse wider ranges (or answers over ~10k logs), so a node that reads a long
     * history asks in windows.
     */
    static final long LOGS_BLOCK_RANGE = Math.max(1, Long.getLong("verity.rpc.logsBlockRange", 2_000));

    private long logsBlockRange = LOGS_BLOCK_RANGE;

    /** Sets the blocks per eth_getLogs request (the provider's limit); returns this chain. */
    public RpcChain logsBlockRange(long blocks) {
        if (blocks < 1) throw new IllegalArgumentException("logsBlockRange must be at least 1 block, got " + blocks);
        this.logsBlockRange = blocks;
        return this;
    }

    @Override
    public List<Receipt.Log> logs(String address, String topic0, long fromBlock, long toBlock) {
        return logs(address, topic0, null, fromBlock, toBlock);
    }

    @Override
    public List<Receipt.Log> logsWithTopic1(String address, String topic1, long fromBlock, long toBlock) {
        return logs(address, null, topic1, fromBlock, toBlock);
    }

    private List<Receipt.Log> logs(String address, String topic0, String topic1, long fromBlock, long toBlock) {
        long to = Math.min(toBlock, blockNumber());
        List<Receipt.Log> out = new ArrayList<>();
        for (long lo = Math.max(0, fromBlock); lo <= to; lo += logsBlockRange) {
            long hi = Math.min(to, lo + logsBlockRange - 1);
            DefaultBlockParameter from = DefaultBlockParameter.valueOf(BigInteger.valueOf(lo));
            DefaultBlockParameter until = DefaultBlockParameter.valueOf(BigInteger.valueOf(hi));
            EthFilter f = address == null ? new EthFilter(from, until, List.of()) : new EthFilter(from, until, address);
            if (topic1 != null) {
                f.addNullTopic(); // any topic0
                f.addSingleTopic(topic1.toLowerCase(Locale.ROOT));
            } else if (topic0 != null) {
                f.addSingleTopic(topic0);
            }
            EthLog r = send(web3.ethGetLogs(f));
            for (EthLog.LogResult<?> lr : r.getLogs()) out.add(toLog((Log) lr.get()));
        }
        return out;
    }

    @Override
    public long blockNumber() {
        return send(web3.ethBlockNumber()).getBlockNumber().longValueExact();
    }

    @Override
    public long timestamp() {
        return send(web3.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false)).getBlock().getTimestamp().longValueExact();
    }

    @Override
    public void advanceTime(long seconds) {
        if (seconds < 0) throw new IllegalArgumentException("time cannot go backwards");
        try {
            Response<?> inc = new Request<>("evm_increaseTime", List.of(seconds), http, VoidResponse.class).send();
            if (inc.hasError()) throw new UnsupportedOperationException("node at " + url + " cannot move time (evm_increaseTime): " + inc.getError().getMessage());
            Response<?> mine = new Request<>("evm_mine", List.of(), http, VoidResponse.class).send();
            if (mine.hasError()) throw new UnsupportedOperationException("node at " + url + " cannot mine on demand (evm_mine): " + mine.getError().getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public BigInteger etherBalance(String address) {
        return send(web3.ethGetBalance(address, DefaultBlockParameterName.LATEST)).getBalance();
    }

    @Override
    public byte[] code(String address) {
        return org.web3j.utils.Numeric.hexStringToByteArray(send(web3.ethGetCode(address, DefaultBlockParameterName.LATEST)).getCode());
    }

    @Override
    public void close() {
        web3.shutdown();
    }
}
