// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title VerityToken: the ERC-20 used for escrow, stakes, bonds and fees.
/// @notice OpenZeppelin's ERC-20 (no hooks, no fee-on-transfer, so the market's accounting is exact).
/// The whole initial supply goes to the deployer. A faucet exists only on local chains
/// (chain id 31337 = Hardhat/embedded, 1337 = Ganache/dev) or when the deployer asks for one
/// explicitly; on any other chain `faucet` reverts, so supply is fixed.
/// It is also the governance token (ERC20Votes, block-number clock): VerityGovernor counts the votes of a
/// holder's delegate at the block a proposal's vote opens. Voting power follows delegation, not balance: a holder
/// counts only after `delegate(self)` (or delegating to someone else), so an account that never delegates cannot
/// vote or propose (docs/governance.md). ERC20Permit lets a holder approve by signature.
contract VerityToken is ERC20, ERC20Permit, ERC20Votes {
    /// @notice Most a single faucet call may mint (bounded so tests cannot overflow supply by accident).
    uint256 public constant FAUCET_MAX = 1_000_000 ether;

    /// @notice The faucet is off on this chain.
    error FaucetDisabled(uint256 chainId);
    /// @notice A faucet call asked for more than FAUCET_MAX.
    error FaucetAmountTooLarge(uint256 value, uint256 max);

    bool public immutable faucetEnabled;

    event FaucetMint(address indexed to, uint256 value);

    constructor(uint256 initialSupply, bool forceFaucet) ERC20("Verity", "VRT") ERC20Permit("Verity") {
        faucetEnabled = forceFaucet || block.chainid == 31337 || block.chainid == 1337;
        _mint(msg.sender, initialSupply);
    }

    function faucet(uint256 value) external {
        if (!faucetEnabled) revert FaucetDisabled(block.chainid);
        if (value > FAUCET_MAX) revert FaucetAmountTooLarge(value, FAUCET_MAX);
        _mint(msg.sender, value);
        emit FaucetMint(msg.sender, value);
    }

    // Both ERC20 and ERC20Votes define these; ERC20Votes' moves the delegates' votes with the balances.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
