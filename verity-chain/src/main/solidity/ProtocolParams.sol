// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title ProtocolParams: the rules of new tasks, set by the token holders' timelock.
/// @notice Its owner is the TimelockController that executes passed proposals (the deployment hands it over at
/// once), so no one, the deployer included, changes a rule outside a proposal. The market copies the rules into each
/// task when it is posted (`TaskMarket.Task.rules`): a change applies to tasks posted after it, never to a running
/// one. Every setter refuses a value outside the bounds below, so a proposal cannot make the market unusable (a fee
/// of 100%) or unsafe in a way the bounds can see; the economics of a legal but bad set (a replay fee floor of zero,
/// no forced errors) are what `verity econ simulate` shows.
contract ProtocolParams is Ownable {
    /// @notice The rules a task is held to, copied at post (one storage slot).
    struct Rules {
        uint128 seatStake; // a verifier seat's stake, locked from the draw until the task ends (slashed if lazy or silent)
        uint16 feeBps; // the protocol fee, a share of the solver's pay
        uint16 minStakeBps; // the solver's stake floor, a share of the most it can be paid
        uint16 replayFeeFloorBps; // the replay fee floor, a share of one segment's work at the task's maximum price
        uint16 jackpotShareBps; // the share of the fee that funds the jackpot pool (the rest goes to the treasury)
        uint32 forcedErrorPpm; // the rate of forced errors, per million seats
        uint16 jackpotMultiple; // a forced error caught pays this many replay fees from the pool (at most what it holds)
    }

    uint256 public constant MAX_FEE_BPS = 2_000;
    /// @notice A solver stake below its pay would let a caught cheat earn more than it loses (docs/incentives.md).
    uint256 public constant MIN_SOLVER_STAKE_BPS = 10_000;
    uint256 public constant MAX_SOLVER_STAKE_BPS = 50_000;
    uint256 public constant MAX_REPLAY_FEE_FLOOR_BPS = 50_000;
    uint256 public constant MAX_FORCED_ERROR_PPM = 100_000;
    uint256 public constant MAX_JACKPOT_MULTIPLE = 1_000;
    uint256 public constant BPS = 10_000;

    /// @notice A value outside its bounds: `what` names the rule.
    error RuleOutOfRange(string what, uint256 given, uint256 min, uint256 max);

    event RulesChanged(Rules before, Rules next);

    Rules private rules_;

    constructor(address owner_, Rules memory initial) Ownable(owner_) {
        _check(initial);
        rules_ = initial;
        emit RulesChanged(initial, initial);
    }

    /// @notice The rules a task posted now is held to.
    function rules() external view returns (Rules memory) {
        return rules_;
    }

    /// @notice Replaces every rule at once (one proposal, one consistent set); only the timelock.
    function setRules(Rules calldata next) external onlyOwner {
        _check(next);
        emit RulesChanged(rules_, next);
        rules_ = next;
    }

    function _check(Rules memory r) private pure {
        _range("seatStake", r.seatStake, 1, type(uint128).max);
        _range("feeBps", r.feeBps, 0, MAX_FEE_BPS);
        _range("minStakeBps", r.minStakeBps, MIN_SOLVER_STAKE_BPS, MAX_SOLVER_STAKE_BPS);
        _range("replayFeeFloorBps", r.replayFeeFloorBps, 0, MAX_REPLAY_FEE_FLOOR_BPS);
        _range("jackpotShareBps", r.jackpotShareBps, 0, BPS);
        _range("forcedErrorPpm", r.forcedErrorPpm, 0, MAX_FORCED_ERROR_PPM);
        _range("jackpotMultiple", r.jackpotMultiple, 0, MAX_JACKPOT_MULTIPLE);
    }

    function _range(string memory what, uint256 given, uint256 min, uint256 max) private pure {
        require(given >= min && given <= max, RuleOutOfRange(what, given, min, max));
    }
}
