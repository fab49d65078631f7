// Hardhat 2 configuration for the local node the RPC integration tests start (`hardhat node`).
// Verity compiles its contracts with the pinned solc itself (compile-contracts.sh), so Hardhat is
// pointed at an empty source folder and never downloads a compiler.
module.exports = {
  paths: {
    sources: "./target/hardhat/no-sources",
    cache: "./target/hardhat/cache",
    artifacts: "./target/hardhat/artifacts",
  },
  networks: {
    hardhat: {
      chainId: 31337,
      hardfork: "shanghai",
      // Same dev accounts as DevAccounts.java (the public test mnemonic), generously funded.
      accounts: { mnemonic: "test test test test test test test test test test test junk", count: 16, accountsBalance: "10000000000000000000000" },
    },
  },
};
