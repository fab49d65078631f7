// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IReferee, IStructureReferee} from "./Referee.sol";

/// @notice What a submitter posts (TaskMarket.post; docs/architecture.md, one task end to end, step 1).
struct PostParams {
    bytes32 specHash;
    bytes32 datasetRoot;
    bytes32 graphRoot;
    bytes32 parentModel; // 0 for training from scratch
    bytes32 initRoot; // state root of checkpoint 0 (the graph's init rules, or the parent's weights): trace entry 0
    bytes32 seedCommit; // keccak256(abi.encode(secret)) for verifier randomness
    uint64 graphOps; // number of op records under graphRoot
    uint64 totalSteps;
    uint64 checkpointInterval; // c
    uint64 workUnits;
    uint128 maxPricePerUnit;
    uint128 replayFee; // paid per proven replay
    uint128 solverStake; // stake a bidder must lock; slashed if it cheats or goes silent
    uint32 numVerifiers;
    uint64 bidWindow;
    uint64 commitWindow;
    uint64 revealWindow;
    uint64 verifyWindow;
}

/// @title ProtocolParams: the rules of new tasks, set by the token holders' timelock.
/// @notice Its owner is the TimelockController that executes passed proposals (the deployment hands it over at
/// once), so no one, the deployer included, changes a rule outside a proposal. The market copies the rules into each
/// task when it is posted (`TaskMarket.Task.rules`): a change applies to tasks posted after it, never to a running
/// one. Every setter refuses a value outside the bounds below, so a proposal cannot make the market unusable (a fee
/// of 100%) or unsafe in a way the bounds can see; the economics of a legal but bad set (a replay fee floor of zero,
/// no forced errors) are what `verity econ simulate` shows.
/// Holds the bounds every task must meet as well (`admit`), so the market and the rules read one source.
contract ProtocolParams is Ownable {
    /// @notice The rules a task is held to, copied at post (two storage slots); a dispute of the task copies its bond
    /// and round timeout when it opens.
    struct Rules {
        uint128 seatStake; // a verifier seat's stake, locked from the draw until the task ends (slashed if lazy or silent)
        uint16 feeBps; // the protocol fee, a share of the solver's pay
        uint16 minStakeBps; // the solver's stake floor, a share of the most it can be paid
        uint16 replayFeeFloorBps; // the replay fee floor, a share of one segment's work at the task's maximum price
        uint16 jackpotShareBps; // the share of the fee that funds the jackpot pool (the rest goes to the treasury)
        uint32 forcedErrorPpm; // the rate of forced errors, per million seats (TaskMarket._payJackpots says what one pays)
        uint32 refereeSet; // the referees a dispute of the task is ruled by (`refereesOf`); only adoptReferees changes it
        uint128 challengeBond; // a challenger's bond, forfeited to the solver if it loses (covers the defender's cost)
        uint64 roundTimeout; // the seconds each party has for its move in a dispute: silence loses
    }

    uint256 public constant MAX_FEE_BPS = 2_000;
    /// @notice A solver stake below its pay would let a caught cheat earn more than it loses (docs/incentives.md).
    uint256 public constant MIN_SOLVER_STAKE_BPS = 10_000;
    uint256 public constant MAX_SOLVER_STAKE_BPS = 50_000;
    uint256 public constant MAX_REPLAY_FEE_FLOOR_BPS = 50_000;
    uint256 public constant MAX_FORCED_ERROR_PPM = 1_000_000;
    uint256 public constant BPS = 10_000;
    uint256 public constant MAX_WINDOW = 365 days;
    /// @notice Shortest bid, reveal and verify window: every party must be able to react, so a
    /// submitter cannot pick a window its solver or verifiers cannot meet (the 1-second commit window
    /// that took a solver's stake).
    uint64 public constant MIN_WINDOW = 600;
    /// @notice The slowest solver the floors allow for: 1,000 work units (10^9 FLOPs) a second. The commit
    /// window grows with the task's work and the verify window with one segment's (a replay).
    uint64 public constant MIN_WORK_UNITS_PER_SECOND = 1_000;
    /// @notice Upper bounds that keep every answer a solver may owe in a dispute inside one block: round 2 posts
    /// checkpointInterval + 1 leaves, a demanded op trace graphOps entries (about 3.8k gas each), and step counts fit
    /// the game's uint64 arithmetic with room to spare.
    uint64 public constant MAX_CHECKPOINT_INTERVAL = 1024;
    uint64 public constant MAX_GRAPH_OPS = 4096;
    uint64 public constant MAX_STEPS = 2 ** 32;

    /// @notice A value outside its bounds: `what` names the rule.
    error RuleOutOfRange(string what, uint256 given, uint256 min, uint256 max);

    /// @notice A task larger than a dispute can handle: `what` is over its bound.
    error TaskTooLarge(string what, uint256 given, uint256 max);
    /// @notice A window below its floor (or above MAX_WINDOW).
    error WindowOutOfRange(string window, uint64 given, uint64 floor);
    /// @notice A solver stake below `minStakeBps` of the most the solver can be paid.
    error SolverStakeTooLow(uint256 given, uint256 floor);
    /// @notice A replay fee below `replayFeeFloorBps` of what replaying one segment costs: its work units at the task's
    /// maximum price.
    error ReplayFeeTooLow(uint256 given, uint256 floor);

    /// @notice A referee set's referee (or its non-zero structure referee) has no code.
    error NotAReferee(address referee);
    /// @notice A referee upgrade proposed against another current set than the one in force (an older upgrade executed
    /// late must not undo a newer one).
    error StaleRefereeUpgrade(uint32 current, uint32 replaces);

    event RulesChanged(Rules before, Rules next);
    /// @notice Referee set `id` can now be chosen by the rules (`refereeSet`).
    event RefereesAdded(uint32 indexed id, IReferee referee, IStructureReferee structureReferee);

    /// @notice The referees a dispute is ruled by: the one that recomputes the disputed link, and round 5's structure
    /// check (zero: links are only recomputed).
    struct Referees {
        IReferee referee;
        IStructureReferee structureReferee;
    }

    Rules private rules_;
    /// @dev Append-only: a set, once added, rules every dispute of every task posted under it, to the end.
    Referees[] private referees_;

    constructor(address owner_, Rules memory initial, IReferee referee, IStructureReferee structureReferee) Ownable(owner_) {
        _addReferees(referee, structureReferee);
        _check(initial);
        rules_ = initial;
        emit RulesChanged(initial, initial);
    }

    /// @notice A referee upgrade, in one call so that no other proposal can come between: adds the set and makes it
    /// the rules' `refereeSet`, so tasks posted from now on are ruled by it (a running task keeps its own). Only the
    /// timelock. setRules cannot change `refereeSet` (it must pass the current one), so a rules proposal made before an
    /// upgrade fails at execution instead of undoing it; an upgrade names the set it `replaces`, so one executed after a
    /// newer upgrade fails too (anyone may execute a queued operation, whenever). Returns the set's id.
    function adoptReferees(uint32 replaces, IReferee referee, IStructureReferee structureReferee) external onlyOwner returns (uint32 id) {
        require(rules_.refereeSet == replaces, StaleRefereeUpgrade(rules_.refereeSet, replaces));
        id = _addReferees(referee, structureReferee);
        Rules memory next = rules_;
        next.refereeSet = id;
        _replaceRules(next);
    }

    /// @notice Referee set `id`.
    function refereesOf(uint32 id) external view returns (IReferee, IStructureReferee) {
        Referees storage r = referees_[id];
        return (r.referee, r.structureReferee);
    }

    /// @notice How many referee sets exist (ids 0 to this minus 1).
    function refereeSets() external view returns (uint256) {
        return referees_.length;
    }

    function _addReferees(IReferee referee, IStructureReferee structureReferee) private returns (uint32 id) {
        require(address(referee).code.length != 0, NotAReferee(address(referee)));
        // a structure referee with no code would make every round 5 that sends a structure bundle revert
        require(
            address(structureReferee) == address(0) || address(structureReferee).code.length != 0, NotAReferee(address(structureReferee))
        );
        id = uint32(referees_.length);
        referees_.push(Referees(referee, structureReferee));
        emit RefereesAdded(id, referee, structureReferee);
    }

    /// @notice The rules a task posted now is held to.
    function rules() external view returns (Rules memory) {
        return rules_;
    }

    /// @notice Replaces every rule at once (one proposal, one consistent set); only the timelock.
    function setRules(Rules calldata next) external onlyOwner {
        _check(next);
        _replaceRules(next);
    }

    function _replaceRules(Rules memory next) private {
        emit RulesChanged(rules_, next);
        rules_ = next;
    }

    /// @notice The rules a task posted now is held to, after checking it against them and the market's bounds (the
    /// market calls this at post and copies what it returns into the task): reverts naming the first bound it breaks.
    function admit(PostParams calldata p) external view returns (Rules memory r) {
        r = rules_;
        if (p.checkpointInterval > MAX_CHECKPOINT_INTERVAL) revert TaskTooLarge("checkpointInterval", p.checkpointInterval, MAX_CHECKPOINT_INTERVAL);
        if (p.graphOps > MAX_GRAPH_OPS) revert TaskTooLarge("graphOps", p.graphOps, MAX_GRAPH_OPS);
        if (p.totalSteps > MAX_STEPS) revert TaskTooLarge("totalSteps", p.totalSteps, MAX_STEPS);
        (uint64 commitFloor, uint64 verifyFloor) = windowFloors(p.workUnits, p.totalSteps, p.checkpointInterval);
        _window("bid", p.bidWindow, MIN_WINDOW);
        _window("commit", p.commitWindow, commitFloor);
        _window("reveal", p.revealWindow, MIN_WINDOW);
        _window("verify", p.verifyWindow, verifyFloor);
        uint256 stakeFloor = (uint256(p.workUnits) * p.maxPricePerUnit * r.minStakeBps) / BPS;
        if (p.solverStake < stakeFloor || p.solverStake == 0) revert SolverStakeTooLow(p.solverStake, stakeFloor);
        // a verifier replays one segment: at the default rules the fee pays that work at the price the solver may be paid
        // for it, so checking is never a loss (docs/incentives.md)
        uint256 feeFloor = (segmentWork(p.workUnits, p.totalSteps, p.checkpointInterval) * p.maxPricePerUnit * r.replayFeeFloorBps) / BPS;
        if (p.replayFee < feeFloor) revert ReplayFeeTooLow(p.replayFee, feeFloor);
        // a seat risks at least the fee it may win: a seat that did not replay passes its probe only where the draw lands on
        // an op whose output anyone can compute (the step's data, constants), and then loses more than it wins the rest of
        // the time (docs/incentives.md, "public ops")
        if (r.seatStake < p.replayFee) r.seatStake = p.replayFee;
        // a challenge never costs more up front than the stake a right challenger wins half of: a bond no verifier can
        // post would leave the task's cheats unchallenged (the stake is at least the solver's pay, so a solver that wins
        // a dispute still gets at least its pay from the bond)
        if (r.challengeBond > p.solverStake) r.challengeBond = p.solverStake;
        // a round lasts at least what the verify window allows for one segment's work: round 2 publishes a segment's
        // steps, so a solver of a large task can always answer in time
        if (r.roundTimeout < verifyFloor) r.roundTimeout = verifyFloor;
    }

    /// @notice The floors of a task's windows: MIN_WINDOW each, the commit window also the whole work and the verify
    /// window one segment's work at MIN_WORK_UNITS_PER_SECOND.
    function windowFloors(uint64 workUnits, uint64 totalSteps, uint64 interval) public pure returns (uint64 commitFloor, uint64 verifyFloor) {
        commitFloor = MIN_WINDOW + workUnits / MIN_WORK_UNITS_PER_SECOND;
        verifyFloor = MIN_WINDOW + uint64(segmentWork(workUnits, totalSteps, interval) / MIN_WORK_UNITS_PER_SECOND);
    }

    /// @notice The work units of a full segment (c steps, or all of them if fewer): what a verifier's replay costs.
    function segmentWork(uint64 workUnits, uint64 totalSteps, uint64 interval) public pure returns (uint256) {
        return Math.ceilDiv(uint256(workUnits) * Math.min(interval, totalSteps), totalSteps);
    }

    function _window(string memory name, uint64 given, uint64 floor) private pure {
        if (given < floor || given > MAX_WINDOW) revert WindowOutOfRange(name, given, floor);
    }

    function _check(Rules memory r) private view {
        _range("seatStake", r.seatStake, 1, type(uint128).max);
        _range("feeBps", r.feeBps, 0, MAX_FEE_BPS);
        _range("minStakeBps", r.minStakeBps, MIN_SOLVER_STAKE_BPS, MAX_SOLVER_STAKE_BPS);
        _range("replayFeeFloorBps", r.replayFeeFloorBps, 0, MAX_REPLAY_FEE_FLOOR_BPS);
        _range("jackpotShareBps", r.jackpotShareBps, 0, BPS);
        _range("forcedErrorPpm", r.forcedErrorPpm, 0, MAX_FORCED_ERROR_PPM);
        // only adoptReferees moves it (a stale rules proposal must not undo an upgrade); 0 at construction
        _range("refereeSet", r.refereeSet, rules_.refereeSet, rules_.refereeSet);
        _range("challengeBond", r.challengeBond, 1, type(uint128).max);
        _range("roundTimeout", r.roundTimeout, MIN_WINDOW, MAX_WINDOW);
    }

    function _range(string memory what, uint256 given, uint256 min, uint256 max) private pure {
        require(given >= min && given <= max, RuleOutOfRange(what, given, min, max));
    }
}
