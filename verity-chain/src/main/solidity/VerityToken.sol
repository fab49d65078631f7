// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title VerityToken: the ERC-20 used for escrow, stakes, bonds and fees.
/// @notice OpenZeppelin's ERC-20 (no hooks, no fee-on-transfer, so the market's accounting is exact).
/// The whole initial supply goes to the deployer. A faucet exists only on local chains
/// (chain id 31337 = Hardhat/embedded, 1337 = Ganache/dev) or when the deployer asks for one
/// explicitly; on any other chain `faucet` reverts, so supply is fixed.
contract VerityToken is ERC20 {
    /// @notice Most a single faucet call may mint (bounded so tests cannot overflow supply by accident).
    uint256 public constant FAUCET_MAX = 1_000_000 ether;

    /// @notice The faucet is off on this chain.
    error FaucetDisabled(uint256 chainId);
    /// @notice A faucet call asked for more than FAUCET_MAX.
    error FaucetAmountTooLarge(uint256 value, uint256 max);

    bool public immutable faucetEnabled;

    event FaucetMint(address indexed to, uint256 value);

    constructor(uint256 initialSupply, bool forceFaucet) ERC20("Verity", "VRT") {
        faucetEnabled = forceFaucet || block.chainid == 31337 || block.chainid == 1337;
        _mint(msg.sender, initialSupply);
    }

    function faucet(uint256 value) external {
        if (!faucetEnabled) revert FaucetDisabled(block.chainid);
        if (value > FAUCET_MAX) revert FaucetAmountTooLarge(value, FAUCET_MAX);
        _mint(msg.sender, value);
        emit FaucetMint(msg.sender, value);
    }
}
