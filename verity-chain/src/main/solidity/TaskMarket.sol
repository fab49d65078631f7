// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {WireCodes} from "./WireCodes.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Wired, MerkleSha256} from "./Common.sol";
import {Staking} from "./Staking.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {InitRule, InitReferee} from "./InitRule.sol";
import {ProtocolParams, PostParams} from "./ProtocolParams.sol";
import {ReplayReferee, ReplayReveal} from "./ReplayReferee.sol";

/// @title TaskMarket: post, match (reverse auction), commit, verifier assignment, attest, settle.
/// @notice Lifecycle (docs/architecture.md, one task end to end, steps 1, 2, 4, 5, 7):
///  Bidding --closeAuction(no bid)--> Cancelled (escrow refunded)
///  Bidding --closeAuction--> Assigned --commit--> Committed --settle (after window, quorum)--> Settled
///  Assigned --timeoutCommit--> Failed (solver's locked stake slashed to the treasury, escrow refunded)
///  Committed <--> Disputed (one or more disputes open in DisputeGame) ; a challenger wins --> Failed
///  Committed --settle (after window, no quorum of attestations)--> Failed (escrow refunded, stake unlocked)
/// Every stage has a deadline and a permissionless call that moves the task on when a party is
/// silent, so no funds can be stuck. docs/threat-model.md says which attack each rule defeats:
///  - any number of disputes may run against one task at once, each challenger in its own game, and a
///    task settles only after every one has ended and the window has passed (one honest party suffices);
///  - a task is paid and enters the zoo only with a quorum of attestations from its drawn verifiers;
///  - floors no submitter can lower: windows that grow with the work, a solver stake that covers the pay.
///
/// Verifier randomness (commit-reveal): at post time the submitter commits `seedCommit =
/// keccak256(abi.encode(secret))`. After the solver commits its trace root, the submitter reveals
/// `secret`; randomness = keccak256(secret, traceRoot, taskId, blockhash(commit block)). The solver fixed its trace root
/// without knowing `secret`, and the submitter fixed `secret` without knowing the trace root, so
/// neither can choose which segments are checked. If the submitter stays silent past the reveal
/// window, anyone may assign with the hash of the commit's own block, fixed before anyone could call
/// (`randBlock`): the caller cannot grind it by choosing when to call. Once that hash is out of the
/// EVM's 256-block reach, the first call re-targets to the next block and a later call assigns.
contract TaskMarket is ReentrancyGuard, Wired {
    using SafeERC20 for IERC20;

    /// @notice A dispute is still open.
    error ADisputeIsStillOpen();
    /// @notice Already attested.
    error AlreadyAttested();
    /// @notice The probe of this seat is revealed already, or its seat has not attested.
    error NothingToProbe();
    /// @notice The probe is not drawn yet: the attestation's block hash is not known (call again in a later block).
    error ProbeNotDrawnYet();
    /// @notice The probe's block hash fell out of reach a second time: the seat can no longer prove its replay.
    error ProbeLost();
    /// @notice The probe window (the verify window plus PROBE_WINDOW) is over.
    error ProbeWindowClosed();
    /// @notice Bad step counts.
    error BadStepCounts();
    /// @notice Bad verifier count.
    error BadVerifierCount();
    /// @notice Bid not lower than best.
    error BidNotLowerThanBest();
    /// @notice Bid window closed.
    error BidWindowClosed();
    /// @notice Bid window still open.
    error BidWindowStillOpen();
    /// @notice Caller is not the dispute game.
    error CallerIsNotTheDisputeGame();
    /// @notice Caller is not the solver.
    error CallerIsNotTheSolver();
    /// @notice Caller is not the submitter.
    error CallerIsNotTheSubmitter();
    /// @notice Caller is not this verifier.
    error CallerIsNotThisVerifier();
    /// @notice Challenge window still open.
    error ChallengeWindowStillOpen();
    /// @notice Commit deadline not passed.
    error CommitDeadlineNotPassed();
    /// @notice Commit deadline passed.
    error CommitDeadlinePassed();
    /// @notice Empty graph.
    error EmptyGraph();
    /// @notice Empty root.
    error EmptyRoot();
    /// @notice Empty task.
    error EmptyTask();
    /// @notice Missing seed commitment.
    error MissingSeedCommitment();
    /// @notice Missing init root (the state root of checkpoint 0).
    error MissingInitRoot();
    /// @notice The init claim's tensor is what its STATE node prescribes: nothing to rule.
    error InitRootMatchesTheGraph();
    /// @notice No such assignment.
    error NoSuchAssignment();
    /// @notice No such task.
    error NoSuchTask();
    /// @notice Not accepting bids.
    error NotAcceptingBids();
    /// @notice Not awaiting a commit.
    error NotAwaitingACommit();
    /// @notice Not awaiting the reveal.
    error NotAwaitingTheReveal();
    /// @notice Not in bidding.
    error NotInBidding();
    /// @notice Not in verification.
    error NotInVerification();
    /// @notice Price above maximum.
    error PriceAboveMaximum();
    /// @notice Randomness block not mined yet.
    error RandomnessBlockNotMinedYet();
    /// @notice Randomness block out of reach (reveal in the next 256 blocks, or assignWithoutReveal).
    error RandomnessBlockOutOfReachRevealInTheNext256BlocksOrAssignWithoutReveal();
    /// @notice Reveal window closed.
    error RevealWindowClosed();
    /// @notice Reveal window still open.
    error RevealWindowStillOpen();
    /// @notice Secret does not match commitment.
    error SecretDoesNotMatchCommitment();
    /// @notice Solver cannot challenge itself.
    error SolverCannotChallengeItself();
    /// @notice Submitter cannot bid.
    error SubmitterCannotBid();
    /// @notice Task not disputed.
    error TaskNotDisputed();
    /// @notice Task not open to challenge.
    error TaskNotOpenToChallenge();
    /// @notice Task not settleable.
    error TaskNotSettleable();
    /// @notice Verification window closed.
    error VerificationWindowClosed();
    /// @notice Verifiers not assigned yet.
    error VerifiersNotAssignedYet();
    /// @notice Zero dispute game.
    error ZeroDisputeGame();
    /// @notice Zero treasury.
    error ZeroTreasury();
    enum Status {
        None,
        Bidding,
        Assigned,
        Committed,
        Disputed,
        Settled,
        Failed,
        Cancelled
    }


    struct Task {
        PostParams p;
        address submitter;
        Status status;
        address solver;
        uint128 bestPrice; // lowest bid so far, per work unit
        uint256 escrow; // tokens this task still holds in the market
        bytes32 traceRoot;
        bytes32 modelRoot;
        bytes32 manifestHash;
        uint64 deadline; // deadline of the current stage
        bool assigned; // verifiers assigned
        bool stakeLocked; // solver's stake still locked for this task
        uint32 attestations; // proven seats: the seat revealed the drawn chunk of the solver's op trace from its replay root
        uint32 openDisputes; // disputes of this task still open in the game (packed with `deadline`)
        uint64 lastDispute; // the most recently opened dispute's id (0 = none)
        uint64 randBlock; // the block whose hash is the fallback randomness (the commit's block, or a re-target)
        bool retargeted; // the fallback randomness was re-targeted once (a second miss fails the task)
        bool seatsReleased; // the verifiers' seat stakes were unlocked or slashed (at the task's end)
        bytes32 endsRoot; // the solver's root over the op-trace root of every segment's last step (0x53 entries): probes prove against it
        ProtocolParams.Rules rules; // the protocol's rules when the task was posted: a later proposal does not change them
    }

    /// @notice A verifier's seat: its segment, and what it did. A seat locks the task's `rules.seatStake` of the verifier's
    /// stake from the draw until the task ends. In a task that settles, a seat that neither attested nor challenged is
    /// slashed (silent), and so is one that attested but did not prove its replay at its probe (lazy). (A ruling
    /// against the solver is not held against the seats that attested the segment: a solver can lose a dispute of a right
    /// segment on purpose, and would use that to slash honest attesters.)
    struct Assignment {
        address verifier;
        uint64 segment;
        bool attested;
        bool challenged; // opened a dispute against the task
        bool slashed; // its seat stake is gone
        bytes32 key; // drawn with the seat, after the solver committed: the replay root's chunks are hashed with it
        bytes32 replayRoot; // the attestation: the seat's keyed root of its segment's last-step op trace, committed blind
        uint64 attestBlock; // the block whose hash draws the probe (re-targeted if it fell out of reach)
        bytes32 probe; // the probe seed, once drawn (0: not yet): it draws the op and the chunk the seat reveals
        bool proven; // the seat revealed the drawn chunks, proven in the solver's op trace and in its replay root
        bool retargeted; // its probe's block hash fell out of reach once and was re-targeted (a second miss loses the probe)
        bool forced; // drawn as a forced error with the probe: a proven replay here wins a jackpot in a task that settles
    }

    uint256 public constant MAX_VERIFIERS = 16;
    uint256 public constant BPS = 10_000;
    /// @notice After the verify window, how long the verifiers have to reveal their replays at their probes; a task
    /// settles after it.
    uint64 public constant PROBE_WINDOW = 600;

    IERC20 public immutable token;
    Staking public immutable staking;
    ModelRegistry public immutable registry;
    address public immutable treasury;
    /// @notice The token holders' rules of new tasks (fee, seat stake, floors, forced errors, jackpot): docs/governance.md.
    ProtocolParams public immutable params;
    /// @notice Rules on init claims (challengeInit).
    InitReferee public immutable initReferee;
    /// @notice Checks a seat's reveal at its probe (revealProbe).
    ReplayReferee public immutable replayReferee;
    address public disputeGame;

    uint256 public taskCount;
    uint256 public totalEscrowed; // sum of `escrow` over all tasks, plus the jackpot pool == token.balanceOf(this)
    /// @notice Tokens that pay forced errors caught (part of totalEscrowed): each settled task adds its
    /// `rules.jackpotShareBps` of the protocol fee.
    uint256 public jackpotPool;
    mapping(uint256 => Task) private tasks;
    mapping(uint256 => Assignment[]) private assignments;

    event TaskPosted(uint256 indexed taskId, address indexed submitter, bytes32 specHash, uint64 workUnits, uint128 maxPricePerUnit, uint256 escrow, uint64 bidDeadline);
    event BidPlaced(uint256 indexed taskId, address indexed solver, uint128 pricePerUnit);
    event TaskAssigned(uint256 indexed taskId, address indexed solver, uint128 pricePerUnit, uint64 commitDeadline);
    /// @notice Price history: one event per cleared auction.
    event PriceCleared(uint256 indexed taskId, uint128 pricePerUnit, uint64 workUnits, uint64 timestamp);
    event TaskCancelled(uint256 indexed taskId, uint256 refund);
    event TaskCommitted(uint256 indexed taskId, bytes32 traceRoot, bytes32 modelRoot, bytes32 manifestHash, uint64 revealDeadline);
    event SeedRevealed(uint256 indexed taskId, bytes32 secret);
    event VerifierAssigned(uint256 indexed taskId, uint256 index, address indexed verifier, uint64 segment);
    event VerificationOpened(uint256 indexed taskId, bytes32 randomness, bool revealed, uint64 verifyDeadline);
    event Attested(uint256 indexed taskId, uint256 index, address indexed verifier);
    /// @notice The probe of an attested seat is drawn (or, its block's hash out of reach, re-targeted: seed 0).
    event ProbeDrawn(uint256 indexed taskId, uint256 index, bytes32 seed);
    /// @notice The seat revealed chunk `chunk` of op `op` of its segment's last step: it is proven.
    event ProbeRevealed(uint256 indexed taskId, uint256 index, uint64 op, uint64 chunk);
    event CommitTimedOut(uint256 indexed taskId, address indexed solver, uint256 slashed, uint256 refund);
    event TaskFailed(uint256 indexed taskId, uint256 refund);
    /// @notice challengeInit proved that the task's init root is not the state its graph prescribes (graph node
    /// `node`): the task fails and the solver, who trained from it, is slashed (half to the challenger).
    event InitRootDisproved(uint256 indexed taskId, address indexed challenger, uint64 node, uint256 slashed);
    /// @notice settle() found too few attestations: the task fails, the solver is not paid and the model is not registered.
    event QuorumMissed(uint256 indexed taskId, uint32 attestations, uint256 assigned);
    /// @notice The fallback randomness's block was out of reach; assignWithoutReveal will use this one's hash.
    event RandomnessRetargeted(uint256 indexed taskId, uint64 randBlock);
    event TaskSettled(uint256 indexed taskId, address indexed solver, uint256 solverPay, uint256 verifierPay, uint256 fee, uint256 refund);
    /// @notice A verifier's seat stake was slashed to `to` (the treasury) in a task that settled: `why` 2, it neither
    /// attested nor challenged; `why` 3, it attested but did not prove its replay at its probe.
    event VerifierSlashed(uint256 indexed taskId, uint256 index, address indexed verifier, uint8 why, uint256 amount, address to);
    /// @notice A seat drawn as a forced error proved its replay in a task that settled: it wins `amount` from the pool.
    event JackpotPaid(uint256 indexed taskId, uint256 index, address indexed verifier, uint256 amount);

    constructor(
        IERC20 token_,
        Staking staking_,
        ModelRegistry registry_,
        address treasury_,
        ProtocolParams params_,
        InitReferee initReferee_,
        ReplayReferee replayReferee_
    ) {
        require(treasury_ != address(0), ZeroTreasury());
        token = token_;
        staking = staking_;
        registry = registry_;
        treasury = treasury_;
        params = params_;
        initReferee = initReferee_;
        replayReferee = replayReferee_;
    }

    /// @notice The stake a seat drawn now locks (Staking's floor for joining the pool).
    function minVerifierStake() external view returns (uint256) {
        return params.rules().seatStake;
    }

    function wire(address disputeGame_) external onlyDuringWiring {
        require(disputeGame_ != address(0), ZeroDisputeGame());
        disputeGame = disputeGame_;
        _finishWiring();
    }

    modifier onlyGame() {
        require(msg.sender == disputeGame, CallerIsNotTheDisputeGame());
        _;
    }

    modifier exists(uint256 taskId) {
        require(taskId > 0 && taskId <= taskCount, NoSuchTask());
        _;
    }

    // ------------------------------------------------------------------ views

    function getTask(uint256 taskId) external view exists(taskId) returns (Task memory) {
        return tasks[taskId];
    }

    /// @notice The most recently opened dispute of the task if any of its disputes is still open (0 = none).
    function activeDisputeOf(uint256 taskId) external view returns (uint256) {
        Task storage t = tasks[taskId];
        return t.openDisputes == 0 ? 0 : t.lastDispute;
    }

    /// @notice The model root the task's solver committed (the dispute game's model claim proves records against it).
    function modelRootOf(uint256 taskId) external view returns (bytes32) {
        return tasks[taskId].modelRoot;
    }

    /// @notice The solver's ends root (the dispute game's ends claim proves a segment-end entry against it).
    function endsRootOf(uint256 taskId) external view returns (bytes32) {
        return tasks[taskId].endsRoot;
    }

    /// @notice The state root the task's checkpoint 0 must be (the dispute game checks trace entry 0 against it).
    function initRootOf(uint256 taskId) external view returns (bytes32) {
        return tasks[taskId].p.initRoot;
    }

    /// @notice How many disputes of the task are still open.
    function openDisputesOf(uint256 taskId) external view returns (uint256) {
        return tasks[taskId].openDisputes;
    }

    /// @notice Attestations a task needs to settle: more than half of the verifiers drawn for it.
    function quorum(uint256 taskId) public view returns (uint256) {
        return assignments[taskId].length / 2 + 1;
    }

    function statusOf(uint256 taskId) external view exists(taskId) returns (Status) {
        return tasks[taskId].status;
    }

    function escrowOf(uint256 taskId) external view exists(taskId) returns (uint256) {
        return tasks[taskId].escrow;
    }

    function getAssignments(uint256 taskId) external view exists(taskId) returns (Assignment[] memory) {
        return assignments[taskId];
    }


    /// @notice Number of checkpoint segments: the trace has numSegments + 1 entries (steps 0, c, 2c, ..., total).
    function numSegments(uint256 taskId) public view exists(taskId) returns (uint64) {
        PostParams storage p = tasks[taskId].p;
        return uint64(Math.ceilDiv(p.totalSteps, p.checkpointInterval));
    }

    /// @notice Escrow a post needs: the maximum solver pay, the fee on it, and every replay fee.
    function requiredEscrow(PostParams calldata p) public view returns (uint256) {
        return _escrow(p, params.rules().feeBps);
    }

    function _escrow(PostParams calldata p, uint16 feeBps) private pure returns (uint256) {
        uint256 maxPay = uint256(p.workUnits) * p.maxPricePerUnit;
        return maxPay + (maxPay * feeBps) / BPS + uint256(p.numVerifiers) * p.replayFee;
    }

    // ------------------------------------------------------------------ verifier pool

    // ------------------------------------------------------------------ 1. post

    function post(PostParams calldata p) external nonReentrant onlyWired returns (uint256 taskId) {
        require(p.workUnits > 0 && p.maxPricePerUnit > 0, EmptyTask());
        require(p.totalSteps > 0 && p.checkpointInterval > 0, BadStepCounts());
        require(p.graphOps > 0, EmptyGraph());
        require(p.numVerifiers > 0 && p.numVerifiers <= MAX_VERIFIERS, BadVerifierCount());
        require(p.seedCommit != bytes32(0), MissingSeedCommitment());
        require(p.initRoot != bytes32(0), MissingInitRoot());
        ProtocolParams.Rules memory rules = params.admit(p); // reverts if the task is under a floor or over a bound
        uint256 amount = _escrow(p, rules.feeBps);
        taskId = ++taskCount;
        Task storage t = tasks[taskId];
        t.p = p;
        t.rules = rules;
        t.submitter = msg.sender;
        t.status = Status.Bidding;
        t.escrow = amount;
        t.deadline = uint64(block.timestamp) + p.bidWindow;
        totalEscrowed += amount;
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit TaskPosted(taskId, msg.sender, p.specHash, p.workUnits, p.maxPricePerUnit, amount, t.deadline);
    }

    // ------------------------------------------------------------------ 2. match

    /// @notice Reverse auction: a bid must be at or under the max and strictly under the best bid.
    /// The best bidder's stake is locked; an outbid solver's stake is unlocked at once.
    function bid(uint256 taskId, uint128 pricePerUnit) external nonReentrant exists(taskId) {
        Task storage t = tasks[taskId];
        require(t.status == Status.Bidding, NotAcceptingBids());
        require(block.timestamp <= t.deadline, BidWindowClosed());
        require(msg.sender != t.submitter, SubmitterCannotBid());
        require(pricePerUnit > 0 && pricePerUnit <= t.p.maxPricePerUnit, PriceAboveMaximum());
        require(t.solver == address(0) || pricePerUnit < t.bestPrice, BidNotLowerThanBest());
        address previous = t.solver;
        t.solver = msg.sender;
        t.bestPrice = pricePerUnit;
        t.stakeLocked = true;
        if (previous != address(0)) staking.unlock(previous, t.p.solverStake);
        staking.lock(msg.sender, t.p.solverStake);
        emit BidPlaced(taskId, msg.sender, pricePerUnit);
    }

    function closeAuction(uint256 taskId) external nonReentrant exists(taskId) {
        Task storage t = tasks[taskId];
        require(t.status == Status.Bidding, NotInBidding());
        require(block.timestamp > t.deadline, BidWindowStillOpen());
        if (t.solver == address(0)) {
            t.status = Status.Cancelled;
            uint256 refund = _release(t);
            _pay(t.submitter, refund);
            emit TaskCancelled(taskId, refund);
            return;
        }
        t.status = Status.Assigned;
        t.deadline = uint64(block.timestamp) + t.p.commitWindow;
        emit TaskAssigned(taskId, t.solver, t.bestPrice, t.deadline);
        emit PriceCleared(taskId, t.bestPrice, t.p.workUnits, uint64(block.timestamp));
    }

    // ------------------------------------------------------------------ 4. commit

    /// @notice The solver's commitments: its trace, its model, its manifest, and `endsRoot`, the root of one
    /// `0x53 | uint64 step | opTraceRoot` entry per segment: the op trace of the segment's last step (the step that ends on
    /// checkpoint `step`), which it computed while training and keeps no more than it keeps any step's activations. Every
    /// probe proves against it: fixed before any seat is drawn, so it cannot be tailored to a seat.
    function commit(uint256 taskId, bytes32 traceRoot, bytes32 modelRoot, bytes32 manifestHash, bytes32 endsRoot)
        external
        nonReentrant
        exists(taskId)
    {
        Task storage t = tasks[taskId];
        require(t.status == Status.Assigned, NotAwaitingACommit());
        require(msg.sender == t.solver, CallerIsNotTheSolver());
        require(block.timestamp <= t.deadline, CommitDeadlinePassed());
        require(traceRoot != bytes32(0) && modelRoot != bytes32(0) && endsRoot != bytes32(0), EmptyRoot());
        t.traceRoot = traceRoot;
        t.endsRoot = endsRoot;
        t.modelRoot = modelRoot;
        t.manifestHash = manifestHash;
        t.status = Status.Committed;
        t.deadline = uint64(block.timestamp) + t.p.revealWindow;
        t.randBlock = uint64(block.number);
        emit TaskCommitted(taskId, traceRoot, modelRoot, manifestHash, t.deadline);
    }

    /// @notice Silent solver: its locked stake goes to the treasury and the escrow is refunded. Never to the
    /// submitter: a submitter who could pick a window its solver cannot meet would otherwise earn the stake.
    function timeoutCommit(uint256 taskId) external nonReentrant exists(taskId) {
        Task storage t = tasks[taskId];
        require(t.status == Status.Assigned, NotAwaitingACommit());
        require(block.timestamp > t.deadline, CommitDeadlineNotPassed());
        t.status = Status.Failed;
        t.stakeLocked = false;
        uint256 refund = _release(t);
        uint256 slashed = t.p.solverStake;
        _pay(t.submitter, refund);
        if (slashed > 0) staking.slash(t.solver, slashed, treasury);
        emit CommitTimedOut(taskId, t.solver, slashed, refund);
    }

    // ------------------------------------------------------------------ 5. verify

    function revealSeed(uint256 taskId, bytes32 secret) external nonReentrant exists(taskId) {
        Task storage t = tasks[taskId];
        require(t.status == Status.Committed && !t.assigned, NotAwaitingTheReveal());
        require(msg.sender == t.submitter, CallerIsNotTheSubmitter());
        require(block.timestamp <= t.deadline, RevealWindowClosed());
        require(keccak256(abi.encode(secret)) == t.p.seedCommit, SecretDoesNotMatchCommitment());
        // the commit block's hash joins the secret: a submitter who shares its secret with the solver before the commit
        // still cannot tell the solver which segments will be drawn
        bytes32 h = blockhash(t.randBlock);
        require(h != 0, RandomnessBlockOutOfReachRevealInTheNext256BlocksOrAssignWithoutReveal());
        emit SeedRevealed(taskId, secret);
        _assign(taskId, t, keccak256(abi.encode(secret, t.traceRoot, taskId, h)), true);
    }

    /// @notice The randomness assignWithoutReveal would draw with now: fixed by the commit's block (or a re-target), so
    /// anyone can read it before the call and see that calling later changes nothing. Zero while that block's hash is
    /// out of reach.
    function fallbackRandomness(uint256 taskId) external view exists(taskId) returns (bytes32) {
        Task storage t = tasks[taskId];
        bytes32 h = blockhash(t.randBlock);
        return h == 0 ? bytes32(0) : _fallbackDraw(h, t.traceRoot, taskId);
    }

    /// @notice The submitter stayed silent: anyone assigns, with the hash of block `randBlock` (the commit's block,
    /// fixed before the call: calling at another time gives the same draw). If that hash is out of the EVM's
    /// 256-block reach, this call re-targets to its own block and assigns nothing; the next call assigns. Only once: a
    /// second miss fails the task (escrow refunded, stake unlocked), so nobody can re-draw until a draw suits them; the
    /// solver, who wants its pay, has every reason to call in time.
    function assignWithoutReveal(uint256 taskId) external nonReentrant exists(taskId) {
        Task storage t = tasks[taskId];
        require(t.status == Status.Committed && !t.assigned, NotAwaitingTheReveal());
        require(block.timestamp > t.deadline, RevealWindowStillOpen());
        bytes32 h = blockhash(t.randBlock);
        if (h == 0) {
            require(t.randBlock != block.number, RandomnessBlockNotMinedYet());
            if (t.retargeted) {
                _failUnpaid(taskId, t);
                return;
            }
            t.retargeted = true;
            t.randBlock = uint64(block.number);
            emit RandomnessRetargeted(taskId, t.randBlock);
            return;
        }
        _assign(taskId, t, _fallbackDraw(h, t.traceRoot, taskId), false);
    }

    /// @dev The fallback draw: one formula for the draw and for its preview (`fallbackRandomness`).
    function _fallbackDraw(bytes32 blockHash, bytes32 traceRoot, uint256 taskId) private pure returns (bytes32) {
        return keccak256(abi.encode(blockHash, traceRoot, taskId));
    }

    function _assign(uint256 taskId, Task storage t, bytes32 randomness, bool revealed) internal {
        t.assigned = true;
        t.deadline = uint64(block.timestamp) + t.p.verifyWindow;
        uint64 segs = numSegments(taskId);
        Assignment[] storage list = assignments[taskId];
        // Bounded draws, in proportion to stake (Staking keeps each pooled verifier's weight equal to its stake): at most 8
        // tries per seat; solver, submitter, repeats and verifiers whose free stake backs other seats are skipped, so a small
        // pool may yield fewer verifiers (their unused replay fees are refunded at the end).
        for (uint256 draw = 0; draw < 8 * uint256(t.p.numVerifiers) && list.length < t.p.numVerifiers; draw++) {
            uint256 total = staking.totalDrawWeight();
            if (total == 0) break;
            address v = staking.verifierAt(uint256(keccak256(abi.encode(randomness, "verifier", draw))) % total);
            if (v == t.solver || v == t.submitter || _isAssigned(list, v)) continue;
            if (staking.available(v) < t.rules.seatStake) continue; // busy: its stake backs other seats
            staking.lock(v, t.rules.seatStake);
            uint64 segment = uint64(uint256(keccak256(abi.encode(randomness, "segment", draw))) % segs);
            bytes32 key = keccak256(abi.encode(randomness, "key", draw));
            list.push(Assignment(v, segment, false, false, false, key, 0, 0, 0, false, false, false));
            emit VerifierAssigned(taskId, list.length - 1, v, segment);
        }
        emit VerificationOpened(taskId, randomness, revealed, t.deadline);
    }

    function _isAssigned(Assignment[] storage list, address v) private view returns (bool) {
        for (uint256 i = 0; i < list.length; i++) {
            if (list[i].verifier == v) return true;
        }
        return false;
    }

    /// @notice A seat's attestation, which must show that a replay happened: `replayRoot` is the seat's keyed root of
    /// the op trace of its segment's last step (docs/commitments.md, "Replay proof"): for every op of that step, in op
    /// order, a `0x54 | uint64 op | keyedRoot` entry, where `keyedRoot` is the root over the op output's chunks, each as a
    /// `0x55 | key | chunk` leaf with the seat's `key`. The key was drawn with the seat, after the solver committed, and
    /// the solver keeps checkpoints, not activations: the keyed root takes the step's every output, which only a replay of
    /// the segment gives (or a solver that replays it for the seat, at the same cost). The hash of the block that mines
    /// the attestation draws one op and one chunk; the verifier reveals that chunk, proven in the solver's committed op
    /// trace and in its own keyed root (revealProbe): a seat counts toward the quorum, and is paid, only then. A verifier
    /// that attests without replaying cannot reveal and loses its seat stake in a task that settles.
    function attest(uint256 taskId, uint256 index, bytes32 replayRoot) external nonReentrant exists(taskId) {
        Task storage t = tasks[taskId];
        require(t.status == Status.Committed || t.status == Status.Disputed, NotInVerification());
        require(t.assigned, VerifiersNotAssignedYet());
        require(block.timestamp <= t.deadline, VerificationWindowClosed());
        require(index < assignments[taskId].length, NoSuchAssignment());
        Assignment storage a = assignments[taskId][index];
        require(a.verifier == msg.sender, CallerIsNotThisVerifier());
        require(!a.attested, AlreadyAttested());
        require(replayRoot != 0, EmptyRoot());
        a.attested = true;
        a.replayRoot = replayRoot;
        a.attestBlock = uint64(block.number);
        // the seat's stake stays locked until the task ends: an attestation whose replay does not prove out is slashed
        emit Attested(taskId, index, msg.sender);
    }

    /// @notice The verifier's reveal at its probe: the drawn chunk of the drawn op of its segment's last step, proven in
    /// the solver's committed op trace and, under the seat's key, in its replay root (ReplayReferee.check, which reverts
    /// with the proof that failed). The seat is then proven: it counts toward the quorum and is paid.
    function revealProbe(uint256 taskId, uint256 index, ReplayReveal calldata r) external nonReentrant exists(taskId) {
        Task storage t = tasks[taskId];
        Assignment storage a = _probing(taskId, index, t);
        require(msg.sender == a.verifier, CallerIsNotThisVerifier());
        require(!a.proven, NothingToProbe());
        bytes32 seed = _drawProbe(taskId, index, a, t);
        if (seed == 0) return;
        uint64 endStep = uint64(Math.min((a.segment + 1) * t.p.checkpointInterval, t.p.totalSteps));
        (uint64 op, uint64 chunk) = replayReferee.check(
            t.endsRoot, numSegments(taskId), a.segment, endStep, a.replayRoot, a.key, seed, r
        );
        a.proven = true;
        t.attestations += 1;
        emit ProbeRevealed(taskId, index, op, chunk);
    }

    /// @notice Fixes an attested seat's probe from its attestation block's hash, or re-targets it once if that hash is out
    /// of reach. Anyone may call it: a seat cannot wait for the hash to fall out of reach to draw again.
    function drawProbe(uint256 taskId, uint256 index) external nonReentrant exists(taskId) {
        Task storage t = tasks[taskId];
        _drawProbe(taskId, index, _probing(taskId, index, t), t);
    }

    function _probing(uint256 taskId, uint256 index, Task storage t) private view returns (Assignment storage a) {
        require(index < assignments[taskId].length, NoSuchAssignment());
        require(t.status == Status.Committed || t.status == Status.Disputed, NotInVerification());
        require(block.timestamp <= uint256(t.deadline) + PROBE_WINDOW, ProbeWindowClosed());
        a = assignments[taskId][index];
        require(a.attested, NothingToProbe());
    }

    /// @notice The seat's probe seed if it can be drawn now (0 if not: not attested, its block not yet mined, or its hash
    /// out of reach until a reveal re-targets it). The verifier reads it to know which op and chunk to reveal
    /// (ReplayReferee.opOf and chunkOf).
    function probeOf(uint256 taskId, uint256 index) public view exists(taskId) returns (bytes32) {
        require(index < assignments[taskId].length, NoSuchAssignment());
        Assignment storage a = assignments[taskId][index];
        if (a.probe != 0) return a.probe;
        if (!a.attested || a.attestBlock >= block.number) return 0;
        bytes32 h = blockhash(a.attestBlock);
        if (h == 0) return 0;
        return keccak256(abi.encode(h, taskId, index));
    }

    /// @dev The seat's probe seed, drawn once from the hash of its attestation's block (which nobody knew when the root was
    /// committed). If that hash is out of the EVM's 256-block reach, re-targets once to this block and returns 0 (the
    /// caller tries again in a later block); a second miss loses the probe. A re-targeted probe is never a forced error,
    /// so a seat gains no second chance at the jackpot by letting its hash fall out of reach (and anyone may fix the
    /// draw, `drawProbe`). The same hash draws whether the seat is a forced error, at the task's rate: its verifier could
    /// not know it when it committed, and the solver cannot choose it.
    function _drawProbe(uint256 taskId, uint256 index, Assignment storage a, Task storage t) private returns (bytes32) {
        if (a.probe != 0) return a.probe;
        require(a.attestBlock < block.number, ProbeNotDrawnYet());
        bytes32 seed = probeOf(taskId, index);
        if (seed == 0) {
            require(!a.retargeted, ProbeLost());
            a.retargeted = true;
            a.attestBlock = uint64(block.number); // out of reach: re-target, once
        } else {
            a.probe = seed;
            a.forced = !a.retargeted
                && uint256(keccak256(abi.encode(blockhash(a.attestBlock), taskId, index, "forced"))) % 1_000_000 < t.rules.forcedErrorPpm;
        }
        emit ProbeDrawn(taskId, index, seed);
        return seed;
    }

    /// @notice The init claim: the task's init root (checkpoint 0, which the game holds the solver's trace to) is not
    /// the state its graph prescribes, shown by one tensor's record and one element recomputed from the seed with
    /// Philox, or a fine-tuned parameter's record that is not the parent model's (InitRule). Anyone but the solver may
    /// claim while the task can still be challenged. A solver checks the init root against the spec before it bids
    /// (as it checks the graph root), so only one that trained from a made-up start (a submitter's pretrained weights
    /// passed off as this spec's run) loses: the task fails, the escrow is refunded, and the locked stake is slashed,
    /// half to the claimant and half to the treasury. A claim that does not hold reverts and costs only gas.
    function challengeInit(uint256 taskId, InitRule.Claim calldata c) external nonReentrant exists(taskId) {
        Task storage t = tasks[taskId];
        require(t.status == Status.Committed || t.status == Status.Disputed, TaskNotOpenToChallenge());
        require(!t.assigned || block.timestamp <= t.deadline, VerificationWindowClosed());
        require(msg.sender != t.solver, SolverCannotChallengeItself());
        require(initReferee.violated(c, t.p.graphRoot, t.p.graphOps, t.p.initRoot, t.p.parentModel), InitRootMatchesTheGraph());
        t.status = Status.Failed;
        uint256 slashed = t.stakeLocked ? t.p.solverStake : 0;
        t.stakeLocked = false;
        emit InitRootDisproved(taskId, msg.sender, c.node.index, slashed);
        if (slashed > 0) {
            staking.slash(t.solver, slashed / 2, msg.sender);
            staking.slash(t.solver, slashed - slashed / 2, treasury);
        }
        // the escrow is refunded by settle(), once no dispute of the task is open
    }

    // ------------------------------------------------------------------ 6. dispute hooks

    /// @notice Called by the dispute game when a challenge opens (the game is guarded and these hooks make no
    /// external call, so they need no reentrancy guard of their own; a task that does not exist has status None, so
    /// the status checks stand for `exists`). Any number of disputes may be open at once, each challenger in its own
    /// game, so a sybil of the solver that opens first and stays silent blocks no one; only inside the
    /// verification window; the solver's own address cannot challenge (its other accounts can, and lose their bonds).
    function onDisputeOpened(uint256 taskId, address challenger, uint64 disputeId)
        external
        onlyGame
        returns (
            address solver,
            bytes32 traceRoot,
            bytes32 graphRoot,
            bytes32 datasetRoot,
            uint64 graphOps,
            uint64 totalSteps,
            uint64 interval,
            uint256 solverStake,
            uint256 challengeBond,
            uint64 roundTimeout,
            uint32 refereeSet
        )
    {
        Task storage t = tasks[taskId];
        require(t.status == Status.Committed || t.status == Status.Disputed, TaskNotOpenToChallenge());
        require(t.assigned, VerifiersNotAssignedYet());
        require(block.timestamp <= t.deadline, VerificationWindowClosed());
        require(challenger != t.solver, SolverCannotChallengeItself());
        t.status = Status.Disputed;
        t.openDisputes += 1;
        t.lastDispute = disputeId;
        Assignment[] storage list = assignments[taskId];
        for (uint256 i = 0; i < list.length; i++) {
            Assignment storage a = list[i];
            if (a.verifier == challenger) a.challenged = true; // it acted: its seat is released unslashed at the end
        }
        // no event of its own: the game's DisputeOpened names the task and the challenger
        return (
            t.solver, t.traceRoot, t.p.graphRoot, t.p.datasetRoot, t.p.graphOps, t.p.totalSteps, t.p.checkpointInterval, t.p.solverStake,
            t.rules.challengeBond, t.rules.roundTimeout, t.rules.refereeSet
        );
    }

    /// @notice Called by the dispute game when one of the task's disputes ends, before it pays out; returns how much of
    /// the solver's stake the game slashes. The first challenger to win fails the task and gets the whole locked stake
    /// slashed (attested verifiers are still paid for their replays in settle(); the rest is refunded); a later winner
    /// of the same task gets its bond back and nothing is left to slash. A solver that won only closes this dispute:
    /// the task settles after its window once no dispute is open.
    function onDisputeResolved(uint256 taskId, bool challengerWon) external onlyGame returns (uint256 slash) {
        Task storage t = tasks[taskId];
        require(t.openDisputes > 0, TaskNotDisputed()); // a task that does not exist has none open
        t.openDisputes -= 1;
        if (challengerWon && t.stakeLocked) {
            // Payouts wait for settle(): the dispute's last move then costs the same however many verifiers
            // attested (each would be one more token transfer inside the dispute).
            t.status = Status.Failed;
            t.stakeLocked = false; // the game slashes exactly the locked solverStake
            return t.p.solverStake;
        }
        if (t.status == Status.Disputed && t.openDisputes == 0) t.status = Status.Committed;
        return 0;
    }

    // ------------------------------------------------------------------ 7. settle

    /// @notice After the challenge window, once every dispute has ended: with a quorum of attestations, pays the
    /// solver, the verifiers and the fee, refunds the rest and registers the model; without one, the task fails (no
    /// payment for silence: a solver whose data nobody could check is not paid), the attested verifiers are paid,
    /// the solver's stake is unlocked and the rest refunded. A task failed by a dispute or an init claim is settled once no
    /// dispute of it is open: verifiers who attested a segment no ruling proved wrong are paid, the rest is refunded.
    /// Every seat ends here (`_releaseSeats`): in a task that settles, a drawn verifier that neither attested nor
    /// challenged loses its seat stake to the treasury.
    function settle(uint256 taskId) external nonReentrant exists(taskId) {
        Task storage t = tasks[taskId];
        if (t.status == Status.Failed && t.escrow > 0) {
            // the rulings of disputes still open may yet slash verifiers who attested a wrong segment
            require(t.openDisputes == 0, ADisputeIsStillOpen());
            _releaseSeats(taskId, t, false, treasury);
            _refundFailed(taskId, t);
            return;
        }
        require(t.status == Status.Committed || t.status == Status.Disputed, TaskNotSettleable());
        require(t.assigned, VerifiersNotAssignedYet());
        require(block.timestamp > uint256(t.deadline) + PROBE_WINDOW, ChallengeWindowStillOpen());
        require(t.openDisputes == 0, ADisputeIsStillOpen());
        if (t.attestations < quorum(taskId)) {
            emit QuorumMissed(taskId, t.attestations, assignments[taskId].length);
            // no seat is slashed for silence here: a solver that withheld its data leaves honest verifiers nothing to attest
            // (their silence would pay the withholder, or the treasury at their cost), and silence cannot be told from that
            _releaseSeats(taskId, t, false, treasury);
            _failUnpaid(taskId, t);
            return;
        }
        t.status = Status.Settled;
        _releaseSeats(taskId, t, true, treasury);
        uint256 solverPay = uint256(t.bestPrice) * t.p.workUnits;
        uint256 fee = (solverPay * t.rules.feeBps) / BPS;
        // the jackpot's share of the fee stays in the market (still counted in totalEscrowed), in the pool
        uint256 cut = (fee * t.rules.jackpotShareBps) / BPS;
        t.escrow -= solverPay + fee; // checked: escrow always covers max pay + max fee
        totalEscrowed -= solverPay + fee - cut;
        jackpotPool += cut;
        fee -= cut;
        uint256 verifierPay = _payVerifiers(taskId, t) + _payJackpots(taskId, t, cut);
        uint256 refund = _release(t);
        if (t.stakeLocked) {
            t.stakeLocked = false;
            staking.unlock(t.solver, t.p.solverStake);
        }
        _pay(t.solver, solverPay);
        _pay(treasury, fee);
        _pay(t.submitter, refund);
        registry.register(t.modelRoot, taskId, t.p.specHash, t.traceRoot, t.p.parentModel, t.solver);
        emit TaskSettled(taskId, t.solver, solverPay, verifierPay, fee, refund);
    }

    // ------------------------------------------------------------------ internals

    /// @dev A task that fails through nobody's proven fault (no quorum, no draw): the solver is not paid and not slashed.
    function _failUnpaid(uint256 taskId, Task storage t) private {
        t.status = Status.Failed;
        if (t.stakeLocked) {
            t.stakeLocked = false;
            staking.unlock(t.solver, t.p.solverStake);
        }
        _refundFailed(taskId, t);
    }

    function _refundFailed(uint256 taskId, Task storage t) private {
        _payVerifiers(taskId, t);
        uint256 refunded = _release(t);
        _pay(t.submitter, refunded);
        emit TaskFailed(taskId, refunded);
    }

    /// @dev Ends every seat of the task. When `penalize` (the task settled: a quorum proved its replays, so its data was
    /// there and the solver's op traces held), a silent seat (neither attested nor challenged) and a lazy one (attested
    /// and did not prove its replay at its probe) lose their stake to `to`; every other seat is unlocked. In a task that
    /// fails nobody is slashed: a solver's wrong op traces would otherwise slash honest seats.
    function _releaseSeats(uint256 taskId, Task storage t, bool penalize, address to) private {
        if (t.seatsReleased) return;
        t.seatsReleased = true;
        Assignment[] storage list = assignments[taskId];
        uint256 seat = t.rules.seatStake;
        for (uint256 i = 0; i < list.length; i++) {
            Assignment storage a = list[i];
            uint8 why = !a.attested && !a.challenged ? 2 : (a.attested && !a.proven ? 3 : 0);
            if (penalize && why != 0) {
                a.slashed = true;
                staking.slash(a.verifier, seat, to);
                emit VerifierSlashed(taskId, i, a.verifier, why, seat, to);
            } else {
                staking.unlock(a.verifier, seat);
            }
        }
    }

    /// @dev Forced errors caught: each proven seat drawn as one wins its share of what this task put in the pool, scaled
    /// by the rate (`cut · 10^6 / (forcedErrorPpm · seats)`, so the expected payout of a task equals its own cut and
    /// self-dealing seats on one's own tasks win back at most what those tasks paid in), capped by the pool.
    function _payJackpots(uint256 taskId, Task storage t, uint256 cut) private returns (uint256 total) {
        Assignment[] storage list = assignments[taskId];
        if (t.rules.forcedErrorPpm == 0) return 0;
        uint256 prize = (cut * 1_000_000) / (uint256(t.rules.forcedErrorPpm) * list.length);
        for (uint256 i = 0; i < list.length; i++) {
            Assignment storage a = list[i];
            if (!a.forced || !a.proven) continue;
            uint256 amount = Math.min(prize, jackpotPool);
            jackpotPool -= amount;
            totalEscrowed -= amount;
            total += amount;
            _pay(a.verifier, amount);
            emit JackpotPaid(taskId, i, a.verifier, amount);
        }
    }

    function _payVerifiers(uint256 taskId, Task storage t) private returns (uint256 total) {
        Assignment[] storage list = assignments[taskId];
        for (uint256 i = 0; i < list.length; i++) {
            Assignment storage a = list[i];
            if (a.proven && !a.slashed) {
                t.escrow -= t.p.replayFee;
                totalEscrowed -= t.p.replayFee;
                total += t.p.replayFee;
                _pay(list[i].verifier, t.p.replayFee);
            }
        }
    }

    /// @dev Zeroes the task's escrow and returns what was left (the caller pays it out).
    function _release(Task storage t) private returns (uint256 amount) {
        amount = t.escrow;
        t.escrow = 0;
        totalEscrowed -= amount;
    }

    function _pay(address to, uint256 amount) private {
        if (amount > 0) token.safeTransfer(to, amount);
    }
}
