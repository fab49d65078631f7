package dev.verity.chain;

import java.io.IOException;
import java.math.BigInteger;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.core.methods.response.EthGetCode;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tx.TransactionManager;
import org.web3j.tx.gas.ContractGasProvider;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.TransactionReceiptProcessor;
import org.web3j.utils.Numeric;

/**
 * A web3j {@link TransactionManager} that sends one account's transactions and calls through a Verity {@link Chain}, so the
 * generated contract wrappers ({@code dev.verity.chain.bindings}) run on the embedded EVM and on a JSON-RPC node alike. The
 * wrappers are loaded with {@code Contract.load(address, null, manager, GAS)}: no {@code Web3j} is needed, as every
 * transaction, call and code read goes through the chain (which signs, waits for the receipt and estimates gas itself, so
 * the gas provider's price and limit are not used).
 *
 * <p>A reverted transaction or call throws the chain's {@link Chain.RevertException} (with its decoded reason) out of the
 * wrapper's {@code send()} unchanged. A mined transaction's Verity {@link Receipt} is kept until {@link #take} collects it
 * (by the hash in the web3j receipt the wrapper returns).
 */
public final class ChainTransactionManager extends TransactionManager {
    /** The wrappers' gas provider: its values are never sent (the chain picks price and limit). */
    public static final ContractGasProvider GAS = new StaticGasProvider(BigInteger.ZERO, BigInteger.valueOf(30_000_000));

    private final Chain chain;
    private final Map<String, Receipt> mined;

    public ChainTransactionManager(Chain chain, String from) {
        this(chain, from, new ConcurrentHashMap<>());
    }

    private ChainTransactionManager(Chain chain, String from, Map<String, Receipt> mined) {
        super(new Processor(mined), from);
        this.chain = chain;
        this.mined = mined;
    }

    /** Hands the wrapper a receipt for a transaction the chain already mined. */
    private static final class Processor extends TransactionReceiptProcessor {
        private final Map<String, Receipt> mined;

        Processor(Map<String, Receipt> mined) {
            super(null);
            this.mined = mined;
        }

        @Override
        public TransactionReceipt waitForTransactionReceipt(String txHash) {
            Receipt r = mined.get(txHash);
            if (r == null) throw new IllegalStateException("no transaction " + txHash + " was sent through this manager");
            TransactionReceipt t = new TransactionReceipt();
            t.setTransactionHash(r.txHash());
            t.setBlockNumber(Numeric.encodeQuantity(BigInteger.valueOf(r.blockNumber())));
            t.setGasUsed(Numeric.encodeQuantity(BigInteger.valueOf(r.gasUsed())));
            t.setStatus(r.success() ? "0x1" : "0x0");
            t.setContractAddress(r.contractAddress());
            t.setLogs(new java.util.ArrayList<>());
            return t;
        }
    }

    @Override
    public EthSendTransaction sendTransaction(BigInteger gasPrice, BigInteger gasLimit, String to, String data, BigInteger value,
            boolean constructor) {
        if (value != null && value.signum() != 0) throw new IllegalArgumentException("Verity's contracts take no ether");
        if (constructor) throw new UnsupportedOperationException("Verity deploys from the artifacts (Verity.deploy), not through a wrapper");
        Receipt r = chain.send(getFromAddress(), to, Numeric.hexStringToByteArray(data));
        mined.put(r.txHash(), r);
        EthSendTransaction out = new EthSendTransaction();
        out.setResult(r.txHash());
        return out;
    }

    @Override
    public EthSendTransaction sendEIP1559Transaction(long chainId, BigInteger maxPriorityFeePerGas, BigInteger maxFeePerGas, BigInteger gasLimit,
            String to, String data, BigInteger value, boolean constructor) {
        return sendTransaction(maxFeePerGas, gasLimit, to, data, value, constructor);
    }

    @Override
    public String sendCall(String to, String data, DefaultBlockParameter defaultBlockParameter) {
        return Numeric.toHexString(chain.call(getFromAddress(), to, Numeric.hexStringToByteArray(data)));
    }

    @Override
    public EthGetCode getCode(String contractAddress, DefaultBlockParameter defaultBlockParameter) {
        EthGetCode out = new EthGetCode();
        out.setResult(Numeric.toHexString(chain.code(contractAddress)));
        return out;
    }

    /** The Verity receipt of a transaction this manager sent (once: it is forgotten here). */
    public Receipt take(TransactionReceipt receipt) {
        Receipt r = mined.remove(receipt.getTransactionHash());
        if (r == null) throw new IllegalStateException("no transaction " + receipt.getTransactionHash() + " was sent through this manager");
        return r;
    }

    /** Runs a wrapper's call: a revert's {@link Chain.RevertException} and other unchecked exceptions pass unchanged. */
    public static <T> T run(RemoteFunctionCall<T> call) {
        try {
            return call.send();
        } catch (RuntimeException e) {
            throw e;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
