package dev.verity.testkit.econ;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;

/** VRT amounts: the chain counts in wei (10^-18 VRT), the simulation's statistics in VRT as doubles. */
final class Money {
    private static final BigDecimal WEI = BigDecimal.TEN.pow(18);

    private Money() {}

    static double vrt(BigInteger wei) {
        return new BigDecimal(wei).divide(WEI, MathContext.DECIMAL64).doubleValue();
    }
}
