// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20} from "./Common.sol";

/// @title VerityToken: the ERC-20 used for escrow, stakes, bonds and fees.
/// @notice Plain ERC-20 (no hooks, no fee-on-transfer, so the market's accounting is exact).
/// The whole initial supply goes to the deployer. A faucet exists only on local chains
/// (chain id 31337 = Hardhat/embedded, 1337 = Ganache/dev) or when the deployer asks for one
/// explicitly; on any other chain `faucet` reverts, so supply is fixed.
contract VerityToken is IERC20 {
    string public constant name = "Verity";
    string public constant symbol = "VRT";
    uint8 public constant decimals = 18;
    /// @notice Most a single faucet call may mint (bounded so tests cannot overflow supply by accident).
    uint256 public constant FAUCET_MAX = 1_000_000 ether;

    bool public immutable faucetEnabled;
    uint256 public override totalSupply;
    mapping(address => uint256) public override balanceOf;
    mapping(address => mapping(address => uint256)) public override allowance;

    event FaucetMint(address indexed to, uint256 value);

    constructor(uint256 initialSupply, bool forceFaucet) {
        faucetEnabled = forceFaucet || block.chainid == 31337 || block.chainid == 1337;
        _mint(msg.sender, initialSupply);
    }

    function faucet(uint256 value) external {
        require(faucetEnabled, "VerityToken: faucet disabled on this chain");
        require(value <= FAUCET_MAX, "VerityToken: faucet amount too large");
        _mint(msg.sender, value);
        emit FaucetMint(msg.sender, value);
    }

    function transfer(address to, uint256 value) external override returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external override returns (bool) {
        require(spender != address(0), "VerityToken: approve to zero address");
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external override returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= value, "VerityToken: insufficient allowance");
            unchecked {
                allowance[from][msg.sender] = allowed - value;
            }
        }
        _transfer(from, to, value);
        return true;
    }

    function _transfer(address from, address to, uint256 value) internal {
        require(to != address(0), "VerityToken: transfer to zero address");
        uint256 bal = balanceOf[from];
        require(bal >= value, "VerityToken: insufficient balance");
        unchecked {
            balanceOf[from] = bal - value;
        }
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }

    function _mint(address to, uint256 value) internal {
        totalSupply += value;
        balanceOf[to] += value;
        emit Transfer(address(0), to, value);
    }
}
