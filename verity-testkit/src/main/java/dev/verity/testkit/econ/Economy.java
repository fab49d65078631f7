package dev.verity.testkit.econ;

import java.util.Locale;

/**
 * Off-chain costs in VRT, which the chain does not see: a solver's training costs {@code costShare} of the price it
 * cleared at for every work unit it really trains; a verifier's replay of one segment costs that segment's work units at
 * the same rate (it runs the same engine); and every transaction's gas costs {@code vrtPerGas} VRT (a gas price over
 * the price of VRT in the chain's currency, e.g. 20 gwei at 1 VRT = 0.001 ETH is 2e-5 VRT a gas).
 */
public record Economy(double costShare, double vrtPerGas) {
    public Economy {
        if (!(costShare > 0 && costShare < 1)) {
            throw new IllegalArgumentException("costShare must be in (0, 1): a solver bids above its cost, got " + costShare);
        }
        if (!(vrtPerGas >= 0 && vrtPerGas < 1)) throw new IllegalArgumentException("vrtPerGas must be in [0, 1), got " + vrtPerGas);
    }

    public static Economy defaults() {
        return new Economy(0.7, 2e-5);
    }

    public String describe() {
        return String.format(Locale.ROOT, "training and replay cost %.2f of the clearing price per work unit; gas at %.2e VRT a gas", costShare,
                vrtPerGas);
    }
}
