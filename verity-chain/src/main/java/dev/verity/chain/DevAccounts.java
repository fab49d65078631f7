package dev.verity.chain;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.web3j.crypto.Bip32ECKeyPair;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.MnemonicUtils;

/**
 * The well-known development accounts (BIP-44 m/44'/60'/0'/0/i of the public test mnemonic that
 * Hardhat and Anvil fund by default). Publicly known keys: for local chains only, never for value.
 */
public final class DevAccounts {
    public static final String MNEMONIC = "test test test test test test test test test test test junk";
    private static final int H = Bip32ECKeyPair.HARDENED_BIT;
    private static List<Credentials> cache = List.of();

    private DevAccounts() {}

    public static synchronized List<Credentials> credentials(int n) {
        if (cache.size() < n) {
            Bip32ECKeyPair master = Bip32ECKeyPair.generateKeyPair(MnemonicUtils.generateSeed(MNEMONIC, ""));
            List<Credentials> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(Credentials.create(Bip32ECKeyPair.deriveKeyPair(master, new int[] {44 | H, 60 | H, H, 0, i})));
            }
            cache = List.copyOf(out);
        }
        return cache.subList(0, n);
    }

    public static List<String> addresses(int n) {
        List<String> out = new ArrayList<>();
        for (Credentials c : credentials(n)) out.add(c.getAddress().toLowerCase(Locale.ROOT));
        return out;
    }
}
