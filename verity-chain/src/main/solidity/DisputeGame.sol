// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {WireCodes} from "./WireCodes.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Wired, MerkleSha256, GraphRecord} from "./Common.sol";
import {Staking} from "./Staking.sol";
import {TaskMarket} from "./TaskMarket.sol";
import {IReferee, IStructureReferee} from "./Referee.sol";
import {ProtocolParams} from "./ProtocolParams.sol";

/// @title DisputeGame: docs/architecture.md step 6 (docs/dispute-protocol.md), rounds 1-5, each one transaction with a deadline.
/// @notice Odd rounds are the challenger's, even rounds the solver's (the defender). Every round
/// checks its Merkle proofs (SHA-256 precompile, docs/commitments.md) against what the other side
/// already committed, so each round's gas depends only on proof depths (logarithmic), never on the
/// model size or the number of steps. Leaf layouts are in docs/dispute-protocol.md.
/// A party that misses its deadline (its task's `roundTimeout` after the last move) loses (`timeout`). The loser: a solver has its locked task stake
/// slashed (half to the challenger, half accrued to the treasury in Staking); a challenger forfeits its
/// bond (its task's `challengeBond`) to the solver. A winning challenger also gets its bond back. Bonds are held by
/// Staking. Both terms come from the task's rules, which token holders set (ProtocolParams), copied when the dispute opens.
contract DisputeGame is ReentrancyGuard, Wired {
    using MerkleSha256 for bytes32;
    using SafeERC20 for IERC20;

    uint8 internal constant TAG_TENSOR_CHUNK = WireCodes.TAG_TENSOR_CHUNK;
    uint8 internal constant TAG_STATE_TENSOR = WireCodes.TAG_STATE_TENSOR;
    uint8 internal constant TAG_STATE_SCALARS = WireCodes.TAG_STATE_SCALARS;
    uint8 internal constant TAG_DATASET_ARRAY = WireCodes.TAG_DATASET_ARRAY;
    uint8 internal constant TAG_GRAPH_OP = WireCodes.TAG_GRAPH_OP;
    uint8 internal constant TAG_TRACE_ENTRY = WireCodes.TAG_TRACE_ENTRY;
    uint8 internal constant TAG_SEGMENT_STEP = WireCodes.TAG_SEGMENT_STEP;
    uint8 internal constant TAG_OP_TRACE = WireCodes.TAG_OP_TRACE;
    uint8 internal constant TAG_LINK = WireCodes.TAG_LINK;
    uint8 internal constant TAG_RESULT = WireCodes.TAG_RESULT;
    uint256 internal constant CHUNK_ELEMS = 256;
    uint256 internal constant OPERAND_BYTES = 13;
    uint16 internal constant OP_STATE = WireCodes.OP_KIND_STATE;
    uint16 internal constant OP_INPUT = WireCodes.OP_KIND_INPUT;
    uint16 internal constant OP_GATHER_ROWS = WireCodes.OP_KIND_GATHER_ROWS;
    uint16 internal constant OP_GATHER_WINDOWS = WireCodes.OP_KIND_GATHER_WINDOWS;
    /// @notice No opening is due.
    uint8 public constant DEMAND_NONE = 0;
    /// @notice Round 3: the solver must post every entry of the disputed step's op trace (`postOpTrace`).
    uint8 public constant DEMAND_OP_TRACE = 1;
    /// @notice Round 5: the solver must post every leaf of the element chain (`postChain`).
    uint8 public constant DEMAND_CHAIN = 2;
    /// @notice Bit set in `demand` once the chain was opened: it cannot be demanded again (each demand makes the solver
    /// post every leaf; repeated, it would keep the dispute, and the task's pay and stake, open forever).
    uint8 public constant CHAIN_OPENED = 4;
    /// @notice Round 3: the solver must post every record of a state or of the model (`postState`); bits 6-7 of `demand`
    /// say which (STATE_AGREED, STATE_DISPUTED, STATE_MODEL).
    uint8 public constant DEMAND_STATE = 3;
    /// @notice The low bits of `demand`: the opening due, if any.
    uint8 internal constant DEMAND_DUE = 3;
    /// @notice Which root a state demand opens: the disputed step's agreed state (h0), its disputed state (h1), or the
    /// task's committed model. Each opens at most once a dispute (bits 3, 4, 5 of `demand` record it).
    uint8 public constant STATE_AGREED = 0;
    uint8 public constant STATE_DISPUTED = 1;
    uint8 public constant STATE_MODEL = 2;
    uint8 internal constant STATE_OPENED = 8;
    uint8 internal constant STATE_WHICH_SHIFT = 6;
    /// @notice The most leaves the solver can be made to post in one opening: about 3.8k gas a leaf keeps it below 16M gas,
    /// inside a block. Longer chains cannot be demanded (docs/threat-model.md).
    uint64 public constant MAX_OPENING_LEAVES = 4096;
    /// @notice A longer chain opens a page at a time: page p is the aligned subtree of its leaves [p · 4096, (p + 1) · 4096).
    uint256 public constant PAGE_HEIGHT = 12;

    /// @notice The whole state of a dispute. Storage holds only its hash (`stateHash`); every move
    /// resends it as calldata (checked against the hash) and the events of the earlier moves carry every
    /// field, so either party can rebuild it (dev.verity.chain.Verity#disputeState). A round therefore
    /// writes one storage slot instead of the fields it changes.
    struct State {
        uint64 taskId;
        address challenger;
        address defender;
        uint8 round; // next round 2..5 while open; 0 when resolved
        bool challengerWon;
        uint64 deadline;
        uint128 solverStake;
        bytes32 graphRoot;
        bytes32 datasetRoot; // the task's dataset root (0x30 records)
        uint64 graphOps;
        bytes32 traceRoot; // the solver's trace root (round 2 proves the segment's ends against it)
        uint64 traceLeaves; // entries the trace must have: segments + 1 (the root commits to its leaf count)
        uint64 segment;
        uint64 segStartStep;
        uint64 segEndStep;
        uint64 step; // round 3: the disputed step (the agreed state is after step-1 steps)
        bytes32 h0; // round 2 start state (checkpoint i); round 3 agreed (pre) state
        bytes32 h1; // round 2 end state (checkpoint i+1); round 3 disputed (post) state
        bytes32 opTraceRoot; // round 2 the segment root; round 3 the disputed step's op trace (from its segment leaf)
        uint64 opIndex; // round 3
        bytes32 graphLeafHash; // round 3
        bytes32 outputRoot; // round 3 output tensor root; round 4 chain root
        uint64 outputElems; // round 3
        uint64 element; // round 3
        uint64 links; // round 4: links in the chain (the tree has links + 1 leaves: the 0x71 result last)
        uint32 claimedValue; // round 4
        uint8 demand; // an opening the challenger demanded, due from the solver before the round goes on (DEMAND_*)
    }

    /// @notice The step a round-3 move disputes: leaves k-1 (agreed) and k (disputed) of the round-2 segment tree,
    /// each `0x51 || uint64 step || stateRoot || opTraceRoot` (the op trace of the step that produced the state),
    /// with one proof for both (MerkleSha256.verifyPair).
    struct Step {
        uint64 k;
        bytes32 preState;
        bytes32 preOpTrace;
        bytes32 postState;
        bytes32 postOpTrace;
        bytes32[] proof;
    }

    /// @notice An op-trace entry (0x60 || uint64 opIndex || graphLeafHash || outputRoot || uint64 outputElems)
    /// with its inclusion proof against the disputed step's op-trace root.
    struct OpEntry {
        uint64 opIndex;
        bytes32 graphLeafHash;
        bytes32 outputRoot;
        uint64 outputElems;
        bytes32[] proof;
    }

    /// @notice A leaf of a tree whose leaf count the prover states (the root commits to it: docs/commitments.md).
    struct Leaf {
        bytes data;
        uint64 n;
        uint64 index;
        bytes32[] proof;
    }

    /// @notice Round-5 evidence that operand `operand` of the disputed link (or result) misquotes its
    /// source. Input operand (kind 0): the disputed op's graph record (its inputs), the op-trace entry
    /// of input `number` and the 256-float chunk holding element `index`. Link operand (kind 1): the
    /// earlier link `number`, proven against the chain root.
    struct Evidence {
        uint8 operand;
        bytes graphRecord;
        OpEntry input;
        bytes chunk;
        bytes32[] chunkProof;
        bytes link;
        bytes32[] linkProof;
    }

    // Every revert of the game is a custom error (its selector instead of a string keeps the contract within EIP-170's
    // 24 KiB); `verity` decodes them to their names (Abi.revertReason).
    /// @notice A chain has its links and the result leaf.
    error AChainHasItsLinksAndTheResultLeaf();
    /// @notice A constant has no source to prove.
    error AConstantHasNoSourceToProve();
    /// @notice A source has no element chain.
    error ASourceHasNoElementChain();
    /// @notice A step is named already.
    error AStepIsNamedAlready();
    /// @notice An op trace has one entry per graph op.
    error AnOpTraceHasOneEntryPerGraphOp();
    /// @notice An opening is due from the solver first.
    error AnOpeningIsDueFromTheSolverFirst();
    /// @notice Bad proof of agreed scalars.
    error BadProofOfAgreedScalars();
    /// @notice Bad proof of chunk.
    error BadProofOfChunk();
    /// @notice Bad proof of dataset record.
    error BadProofOfDatasetRecord();
    /// @notice Bad proof of disputed scalars.
    error BadProofOfDisputedScalars();
    /// @notice Bad proof of earlier link.
    error BadProofOfEarlierLink();
    /// @notice Bad proof of final state record.
    error BadProofOfFinalStateRecord();
    /// @notice Bad proof of graph op.
    error BadProofOfGraphOp();
    /// @notice Bad proof of link.
    error BadProofOfLink();
    /// @notice Bad proof of model record.
    error BadProofOfModelRecord();
    /// @notice Bad proof of op-trace entry.
    error BadProofOfOpTraceEntry();
    /// @notice Bad proof of state record.
    error BadProofOfStateRecord();
    /// @notice Bad proof of the chain result.
    error BadProofOfTheChainResult();
    /// @notice Bad proof of the segment's checkpoints.
    error BadProofOfTheSegmentSCheckpoints();
    /// @notice Bad proof of the step's segment leaves.
    error BadProofOfTheStepSSegmentLeaves();
    /// @notice Caller is not the challenger.
    error CallerIsNotTheChallenger();
    /// @notice Caller is not the solver.
    error CallerIsNotTheSolver();
    /// @notice Dispute already resolved.
    error DisputeAlreadyResolved();
    /// @notice Element outside the output.
    error ElementOutsideTheOutput();
    /// @notice Element outside the tensor.
    error ElementOutsideTheTensor();
    /// @notice Entry and record differ (make a record claim).
    error EntryAndRecordDifferMakeARecordClaim();
    /// @notice No batch attribute.
    error NoBatchAttribute();
    /// @notice No structure referee.
    error NoStructureReferee();
    /// @notice No such dispute.
    error NoSuchDispute();
    /// @notice No such input.
    error NoSuchInput();
    /// @notice No such link.
    error NoSuchLink();
    /// @notice The element chain was opened already in this dispute.
    error TheChainWasOpenedAlready();
    /// @notice The element chain has more leaves than one opening may post (MAX_OPENING_LEAVES).
    error TheChainIsTooLongToOpen();
    /// @notice No such opening is due.
    error NoSuchOpeningIsDue();
    /// @notice No such operand.
    error NoSuchOperand();
    /// @notice No such segment.
    error NoSuchSegment();
    /// @notice Not a chain result leaf.
    error NotAChainResultLeaf();
    /// @notice Not a data gather op.
    error NotADataGatherOp();
    /// @notice Not a graph op record.
    error NotAGraphOpRecord();
    /// @notice Not a scalars record.
    error NotAScalarsRecord();
    /// @notice Not a source node.
    error NotASourceNode();
    /// @notice Not a state tensor record.
    error NotAStateTensorRecord();
    /// @notice Not that input's op-trace entry.
    error NotThatInputSOpTraceEntry();
    /// @notice Not the dataset record of that name.
    error NotTheDatasetRecordOfThatName();
    /// @notice Not the dispute's state.
    error NotTheDisputeSState();
    /// @notice Not the disputed op's record.
    error NotTheDisputedOpSRecord();
    /// @notice Not the state record of that name.
    error NotTheStateRecordOfThatName();
    /// @notice Out of turn.
    error OutOfTurn();
    /// @notice Round deadline not passed.
    error RoundDeadlineNotPassed();
    /// @notice Round deadline passed.
    error RoundDeadlinePassed();
    /// @notice Step outside the segment.
    error StepOutsideTheSegment();
    /// @notice The chain's result is not the committed element.
    error TheChainSResultIsNotTheCommittedElement();
    /// @notice The entries are not the committed op trace.
    error TheEntriesAreNotTheCommittedOpTrace();
    /// @notice The leaves are not the committed chain.
    error TheLeavesAreNotTheCommittedChain();
    /// @notice The model claim disputes the last segment.
    error TheModelClaimDisputesTheLastSegment();
    /// @notice The ends claim names the segment's last step, whose op trace the ends entry commits.
    error TheEndsClaimNamesTheLastStep();
    /// @notice The segment-end entry does not prove against the task's ends root at the segment's index.
    error BadProofOfTheSegmentEnd();
    /// @notice The op trace was posted already.
    error TheOpTraceWasPostedAlready();
    /// @notice The chain fits one opening: demand it whole (demandChain).
    error TheChainFitsOneOpening();
    /// @notice No such page of the chain, or that page was opened already.
    error NoSuchPage(uint64 page);
    /// @notice The leaves and path do not open that page of the committed chain.
    error ThePageIsNotTheCommittedChain(uint64 page);
    /// @notice No such state to open (which is 0 agreed, 1 disputed, 2 model).
    error NoSuchState(uint8 which);
    /// @notice That state was opened in this dispute already.
    error TheStateWasOpenedAlready(uint8 which);
    /// @notice The records do not hash to the demanded root (or are more than an opening may hold).
    error TheRecordsAreNotTheDemandedState(uint8 which);
    /// @notice The segment must start and end at its checkpoints.
    error TheSegmentMustStartAndEndAtItsCheckpoints();
    /// @notice The starting checkpoint has no op trace.
    error TheStartingCheckpointHasNoOpTrace();
    /// @notice The step is fixed by the demanded op trace.
    error TheStepIsFixedByTheDemandedOpTrace();
    /// @notice Wrong chunk length.
    error WrongChunkLength();
    /// @notice Wrong number of segment leaves.
    error WrongNumberOfSegmentLeaves();
    /// @notice Zero market.
    error ZeroMarket();

    IERC20 public immutable token;
    Staking public immutable staking;
    /// @notice The referee sets (ProtocolParams.refereesOf): a dispute is ruled by its task's (`Terms.refereeSet`).
    ProtocolParams public immutable params;
    /// @notice A dispute's bond and round timeout: its task's rules when the dispute opened (ProtocolParams.Rules, which
    /// token holders set), so a later proposal never changes a running dispute's terms.
    struct Terms {
        uint128 bond;
        uint64 roundTimeout;
        uint32 refereeSet; // the referee and the structure check of round 5 (ProtocolParams.refereesOf)
    }
    // one slot with Wired's `wired` flag (1 + 20 + 7 + 4 bytes): nonzero once wired, so the counters below
    // never pay for a fresh slot
    TaskMarket public market;
    uint56 public disputeCount;
    uint32 public openDisputes;
    mapping(uint256 => bytes32) public stateHash; // disputeId => keccak256(abi.encode(State))
    mapping(uint256 => Terms) internal terms;
    /// @notice Bonds of open disputes; the Staking contract holds them (sent there at open, paid from there at the end).
    uint256 public totalBonds;
    /// @notice The page of a long chain whose opening is due, plus one (0: none); and the pages opened so far.
    mapping(uint256 => uint256) public chainPageDue;
    mapping(uint256 => mapping(uint64 => bool)) public chainPageOpened;

    event DisputeOpened(uint256 indexed disputeId, uint256 indexed taskId, address indexed challenger, address defender, uint64 segment, uint64 deadline);
    /// @notice The rest of the opening state (DisputeOpened and this rebuild the round-2 state).
    event DisputeParams(
        uint256 indexed disputeId,
        uint128 solverStake,
        uint64 graphOps,
        uint64 segStartStep,
        uint64 segEndStep,
        bytes32 graphRoot,
        bytes32 datasetRoot,
        bytes32 traceRoot,
        uint64 traceLeaves
    );
    /// @notice Round 2: the segment's ends, proven against the trace root, and every leaf of the segment tree (the state
    /// after each step s0..s1 and the root of the op trace that produced it), from which the contract computed
    /// `segmentRoot`. The challenger reads them here: it never depends on data only the solver holds.
    event SegmentRootPosted(
        uint256 indexed disputeId, bytes32 segmentRoot, uint64 deadline, bytes32 startState, bytes32 endState, bytes32[] stateRoots, bytes32[] opTraceRoots
    );
    /// @notice Round 3 names the step and, in the same move, what is wrong in it (OpDisputed or ClaimRuled follows).
    event StepDisputed(uint256 indexed disputeId, uint64 step, bytes32 preState, bytes32 postState, bytes32 opTraceRoot);
    event OpDisputed(uint256 indexed disputeId, uint64 opIndex, uint64 element, bytes32 outputRoot, uint64 outputElems, bytes32 graphLeafHash, uint64 deadline);
    /// @notice A claim ruled at once: round 2's kind 7 (checkpoint 0 is not the task's init root), round 3's kind 1 record,
    /// 2 source, 3 update, 4 scalars, 6 model (`node`: the model
    /// record's index); 0: the disputed step's segment leaf commits no op trace (a zero root), which loses for the solver.
    event ClaimRuled(uint256 indexed disputeId, uint8 kind, uint64 node, bool claimRight);
    event ElementChainPosted(uint256 indexed disputeId, bytes32 chainRoot, uint64 chainLength, uint32 value, uint64 deadline);
    event LinkRuled(uint256 indexed disputeId, uint64 linkIndex, bool linkCorrect);
    /// @notice Round 5 with a structure bundle: the structure referee's answer (covered false: op kind not known,
    /// nothing ruled; matches false: the link is not the one the op prescribes, the challenger wins).
    event StructureRuled(uint256 indexed disputeId, uint64 linkIndex, bool covered, bool matches, string why);
    /// @notice The challenger could not get the disputed step's op trace: the solver must post its entries.
    event OpTraceDemanded(uint256 indexed disputeId, uint64 step, uint64 deadline);
    /// @notice The disputed step's op trace, every entry; the contract computed its root from them.
    event OpTracePosted(uint256 indexed disputeId, uint64 deadline, bytes32[] graphLeaves, bytes32[] outputRoots, uint64[] outputElems);
    /// @notice The challenger could not get the element chain: the solver must post its leaves.
    event ChainDemanded(uint256 indexed disputeId, uint64 deadline);
    /// @notice The element chain's leaves (links, then the result leaf); the contract computed its root from them.
    event ChainPosted(uint256 indexed disputeId, uint64 deadline, bytes[] leaves);
    event ChainPageDemanded(uint256 indexed disputeId, uint64 page, uint64 deadline);
    event ChainPagePosted(uint256 indexed disputeId, uint64 page, uint64 deadline, bytes[] leaves);
    /// @notice The challenger demanded every record under `root` (`which`: STATE_*).
    event StateDemanded(uint256 indexed disputeId, uint8 which, bytes32 root, uint64 deadline);
    /// @notice The solver opened a state or the model: every `0x20` record (and a state's `0x21` scalars record last).
    event StatePosted(uint256 indexed disputeId, uint8 which, uint64 deadline, bytes[] records);
    event DisputeTimedOut(uint256 indexed disputeId, uint8 round, address indexed silentParty);
    event DisputeResolved(uint256 indexed disputeId, uint256 indexed taskId, bool challengerWon, uint256 slashed, uint256 bondForfeited);

    constructor(
        IERC20 token_,
        Staking staking_,
        ProtocolParams params_
    ) {
        token = token_;
        staking = staking_;
        params = params_;
    }

    function wire(TaskMarket market_) external onlyDuringWiring {
        require(address(market_) != address(0), ZeroMarket());
        market = market_;
        _finishWiring();
    }

    /// @notice The task's most recently opened dispute while any of its disputes is open (0 = none).
    function activeDisputeOf(uint256 taskId) external view returns (uint256) {
        return market.activeDisputeOf(taskId);
    }

    /// @dev Checks `s` is dispute `disputeId`'s state, it is `round`'s turn, the caller is the party to
    /// move and the deadline has not passed; returns a memory copy to update.
    function _turn(uint256 disputeId, State calldata s, uint8 round) internal view returns (State memory d) {
        d = _load(disputeId, s);
        require(d.round == round, OutOfTurn());
        require(d.demand & DEMAND_DUE == DEMAND_NONE, AnOpeningIsDueFromTheSolverFirst());
        address mover = round % 2 == 1 ? d.challenger : d.defender;
        if (msg.sender != mover) {
            if (round % 2 == 1) revert CallerIsNotTheChallenger();
            revert CallerIsNotTheSolver();
        }
        require(block.timestamp <= d.deadline, RoundDeadlinePassed());
    }

    /// @dev Checks `s` is the state of open dispute `disputeId`; returns a memory copy.
    function _load(uint256 disputeId, State calldata s) internal view returns (State memory d) {
        bytes32 h = stateHash[disputeId]; // 0 for an id never opened (a state hash is never 0)
        require(h != 0, NoSuchDispute());
        d = s;
        require(keccak256(abi.encode(d)) == h, NotTheDisputeSState());
        require(d.round != 0, DisputeAlreadyResolved());
    }

    /// @dev Checks `s` is the state of open dispute `disputeId`, opening `demand` is due and the caller is the solver.
    function _opening(uint256 disputeId, State calldata s, uint8 demand) internal view returns (State memory d) {
        d = _load(disputeId, s);
        require(d.demand & DEMAND_DUE == demand, NoSuchOpeningIsDue());
        require(msg.sender == d.defender, CallerIsNotTheSolver());
        require(block.timestamp <= d.deadline, RoundDeadlinePassed());
    }

    /// @dev The same round, a new deadline (an opening demanded, or one posted), and the new state's hash stored.
    function _renew(uint256 disputeId, State memory d) internal returns (uint64 deadline) {
        deadline = uint64(block.timestamp) + terms[disputeId].roundTimeout;
        d.deadline = deadline;
        stateHash[disputeId] = keccak256(abi.encode(d));
    }

    /// @dev Next round: new deadline, and the new state's hash stored.
    function _advance(uint256 disputeId, State memory d) internal returns (uint64 deadline) {
        d.round += 1;
        deadline = uint64(block.timestamp) + terms[disputeId].roundTimeout;
        d.deadline = deadline;
        stateHash[disputeId] = keccak256(abi.encode(d));
    }

    /// @dev Trace entry / segment step entry: 0x50 || uint64(step) || stateRoot (41 bytes), hashed in scratch memory.
    function _stepLeaf(uint64 step, bytes32 stateRoot) internal view returns (bytes32 h) {
        uint8 tag = TAG_TRACE_ENTRY; // assembly reads only literal constants
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore8(p, 0)
            mstore8(add(p, 1), tag)
            mstore(add(p, 2), shl(192, step))
            mstore(add(p, 10), stateRoot)
            if iszero(staticcall(gas(), 2, p, 42, 0, 32)) { revert(0, 0) }
            h := mload(0)
        }
    }

    /// @dev Segment step entry: 0x51 || uint64(step) || stateRoot || opTraceRoot (73 bytes), hashed in scratch memory.
    function _segmentLeaf(uint64 step, bytes32 stateRoot, bytes32 opTraceRoot) internal view returns (bytes32 h) {
        uint8 tag = TAG_SEGMENT_STEP; // assembly reads only literal constants
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore8(p, 0)
            mstore8(add(p, 1), tag)
            mstore(add(p, 2), shl(192, step))
            mstore(add(p, 10), stateRoot)
            mstore(add(p, 42), opTraceRoot)
            if iszero(staticcall(gas(), 2, p, 74, 0, 32)) { revert(0, 0) }
            h := mload(0)
        }
    }

    /// @dev Op-trace entry: 0x60 || uint64 opIndex || graphLeafHash || outputRoot || uint64 outputElems (81 bytes).
    function _opLeafOf(uint64 opIndex, bytes32 graphLeaf, bytes32 outputRoot, uint64 outputElems) internal view returns (bytes32 h) {
        uint8 tag = TAG_OP_TRACE; // assembly reads only literal constants
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore8(p, 0)
            mstore8(add(p, 1), tag)
            mstore(add(p, 2), shl(192, opIndex))
            mstore(add(p, 10), graphLeaf)
            mstore(add(p, 42), outputRoot)
            mstore(add(p, 74), shl(192, outputElems))
            if iszero(staticcall(gas(), 2, p, 82, 0, 32)) { revert(0, 0) }
            h := mload(0)
        }
    }

    function _opLeaf(OpEntry calldata e) internal view returns (bytes32) {
        return _opLeafOf(e.opIndex, e.graphLeafHash, e.outputRoot, e.outputElems);
    }

    function _proveOp(State memory d, OpEntry calldata e) internal view {
        require(d.opTraceRoot.verify(d.graphOps, e.opIndex, _opLeaf(e), e.proof), BadProofOfOpTraceEntry());
    }

    function _proveLeaf(bytes32 root, Leaf calldata l) internal view returns (bool) {
        return root.verify(l.n, l.index, MerkleSha256.leafHashCd(l.data), l.proof);
    }

    // ------------------------------------------------------------------ round 1 (challenger)

    /// @notice Challenge segment `segment` (checkpoint i -> i+1) of a task in verification. The challenger proves
    /// nothing here: the solver must open the segment's two trace entries in round 2 (a trace root it cannot open, one
    /// with another leaf count than segments + 1, or checkpoints it withholds lose by timeout). Any number of disputes
    /// may be open against one task; each is its own game. Pulls the task's `challengeBond` from the challenger (approve
    /// this contract first).
    function open(uint256 taskId, uint64 segment) external nonReentrant onlyWired returns (uint256 disputeId) {
        disputeId = ++disputeCount;
        State memory d;
        uint64 totalSteps;
        uint64 interval;
        uint256 solverStake;
        Terms memory terms_;
        uint256 bond;
        (d.defender, d.traceRoot, d.graphRoot, d.datasetRoot, d.graphOps, totalSteps, interval, solverStake, bond, terms_.roundTimeout,
            terms_.refereeSet) = market.onDisputeOpened(taskId, msg.sender, uint64(disputeId));
        uint64 segs = uint64(Math.ceilDiv(totalSteps, interval));
        require(segment < segs, NoSuchSegment());
        uint64 s0 = segment * interval;
        d.taskId = uint64(taskId);
        d.challenger = msg.sender;
        d.round = 2;
        d.deadline = uint64(block.timestamp) + terms_.roundTimeout;
        d.solverStake = uint128(solverStake);
        d.traceLeaves = segs + 1;
        d.segment = segment;
        d.segStartStep = s0;
        d.segEndStep = uint64(Math.min(s0 + interval, totalSteps));
        stateHash[disputeId] = keccak256(abi.encode(d));
        // the task's rules bound both (ProtocolParams: a bond of at least 1, a timeout of at least MIN_WINDOW), and fit
        terms_.bond = uint128(bond);
        terms[disputeId] = terms_;
        openDisputes += 1;
        totalBonds += bond;
        // the bond waits in Staking, whose balance (holding the defender's locked stake) is never zero here
        token.safeTransferFrom(msg.sender, address(staking), bond);
        _emitOpened(disputeId, segment, d);
    }

    function _emitOpened(uint256 disputeId, uint64 segment, State memory d) internal {
        emit DisputeOpened(disputeId, d.taskId, d.challenger, d.defender, segment, d.deadline);
        emit DisputeParams(disputeId, d.solverStake, d.graphOps, d.segStartStep, d.segEndStep, d.graphRoot, d.datasetRoot, d.traceRoot, d.traceLeaves);
    }

    // ------------------------------------------------------------------ round 2 (solver)

    /// @notice Round 2: the solver opens its trace at the segment's two checkpoints (entries i and i+1, one pair proof
    /// against the trace root with segments + 1 leaves) and posts every leaf of the segment tree: for each step
    /// s = s0..s1 the state after it and the root of the op trace that produced it (zero for leaf 0, the starting
    /// checkpoint). The contract computes the segment root from the leaves itself, so no root goes on chain that its
    /// poster cannot open, and the challenger reads the leaves from the event. The first and last states must be the
    /// two checkpoints. Committing every step's op trace here lets round 3 name the step and the wrong op in one move.
    /// In a dispute of segment 0 the starting checkpoint must be the task's init root, or the solver loses at once (so
    /// this round can pay out, and is guarded; rounds 3-4 make no external call and need no guard).
    function postSegment(
        uint256 disputeId,
        State calldata s,
        bytes32 startState,
        bytes32 endState,
        bytes32[] calldata endsProof,
        bytes32[] calldata stateRoots,
        bytes32[] calldata opTraceRoots
    ) external nonReentrant {
        State memory d = _turn(disputeId, s, 2);
        uint64 s0 = d.segStartStep;
        uint64 n = d.segEndStep - s0 + 1;
        require(
            d.traceRoot.verifyPair(d.traceLeaves, d.segment, _stepLeaf(s0, startState), _stepLeaf(d.segEndStep, endState), endsProof),
            BadProofOfTheSegmentSCheckpoints()
        );
        require(stateRoots.length == n && opTraceRoots.length == n, WrongNumberOfSegmentLeaves());
        require(stateRoots[0] == startState && stateRoots[n - 1] == endState, TheSegmentMustStartAndEndAtItsCheckpoints());
        require(opTraceRoots[0] == 0, TheStartingCheckpointHasNoOpTrace());
        if (d.segment == 0 && startState != market.initRootOf(d.taskId)) {
            // checkpoint 0 is not the task's init root (the state the graph's init rules or the parent model give)
            _ruleClaim(disputeId, d, WireCodes.CLAIM_INIT, 0, true);
            return;
        }
        bytes32[] memory leaves = new bytes32[](n);
        for (uint64 k = 0; k < n; ++k) {
            leaves[k] = _segmentLeaf(s0 + k, stateRoots[k], opTraceRoots[k]);
        }
        bytes32 segmentRoot = MerkleSha256.rootOf(leaves);
        d.h0 = startState;
        d.h1 = endState;
        d.opTraceRoot = segmentRoot;
        emit SegmentRootPosted(disputeId, segmentRoot, _advance(disputeId, d), startState, endState, stateRoots, opTraceRoots);
    }

    // ------------------------------------------------------------------ round 3 (challenger)

    /// @dev Round 3's common part: proves the disputed step's two segment leaves (k-1 agreed, k disputed) and moves
    /// the dispute onto that step and its op trace. False if the dispute is resolved already, the challenger having
    /// won: the solver committed no op trace for the step (a zero root). (Round 2 checked the segment's ends.)
    function _step(uint256 disputeId, State memory d, Step calldata st) internal returns (bool) {
        if (d.step != 0) {
            // a demanded op trace fixed the step already (and its leaves were proven then)
            require(st.k == d.step - d.segStartStep, TheStepIsFixedByTheDemandedOpTrace());
            return true;
        }
        uint64 n = d.segEndStep - d.segStartStep + 1;
        require(st.k >= 1 && st.k < n, StepOutsideTheSegment());
        uint64 step = d.segStartStep + st.k;
        bytes32 segmentRoot = d.opTraceRoot;
        require(
            segmentRoot.verifyPair(n, st.k - 1, _segmentLeaf(step - 1, st.preState, st.preOpTrace), _segmentLeaf(step, st.postState, st.postOpTrace), st.proof),
            BadProofOfTheStepSSegmentLeaves()
        );
        d.step = step;
        d.h0 = st.preState;
        d.h1 = st.postState;
        d.opTraceRoot = st.postOpTrace;
        emit StepDisputed(disputeId, step, st.preState, st.postState, st.postOpTrace);
        if (st.postOpTrace == 0) {
            _ruleClaim(disputeId, d, WireCodes.CLAIM_NO_OP_TRACE, 0, true);
            return false;
        }
        return true;
    }

    /// @notice Round 3 when the solver did not publish the disputed step's op trace: names the step (its segment leaves
    /// proven, as in every round-3 move) and demands the op trace's entries. The solver must post them (`postOpTrace`)
    /// before the deadline or lose; then it is the challenger's round 3 again, on this step.
    function demandOpTrace(uint256 disputeId, State calldata s, Step calldata st) external {
        State memory d = _turn(disputeId, s, 3);
        require(d.step == 0, TheOpTraceWasPostedAlready());
        if (!_step(disputeId, d, st)) return;
        d.demand |= DEMAND_OP_TRACE;
        emit OpTraceDemanded(disputeId, d.step, _renew(disputeId, d));
    }

    /// @notice Round 3 when the solver did not publish the records of a state its claims need: demands every record of the
    /// disputed step's agreed state (`which` 0: the sources' records), its disputed state (1: the updates' and the
    /// scalars'), or the committed model (2: the model claim's). The step is named (its segment leaves proven) for 0 and
    /// 1; the model needs none. The solver must post them (`postState`) before the deadline or lose; each root opens once.
    function demandState(uint256 disputeId, State calldata s, Step calldata st, uint8 which) external {
        State memory d = _turn(disputeId, s, 3);
        require(which <= STATE_MODEL, NoSuchState(which));
        uint8 opened = uint8(STATE_OPENED << which);
        require(d.demand & opened == 0, TheStateWasOpenedAlready(which));
        if (which != STATE_MODEL && !_step(disputeId, d, st)) return;
        d.demand = (d.demand & ~(DEMAND_DUE | uint8(3 << STATE_WHICH_SHIFT))) | DEMAND_STATE | (which << STATE_WHICH_SHIFT) | opened;
        emit StateDemanded(disputeId, which, _stateRoot(d, which), _renew(disputeId, d));
    }

    /// @notice The solver opens the demanded state: every record, in the tree's order. The contract computes their root and
    /// requires it to be the demanded one (at most MAX_OPENING_LEAVES records: a state has one per STATE op of the graph,
    /// plus the scalars), and emits them for the challenger, who proves its claim's records against them.
    function postState(uint256 disputeId, State calldata s, bytes[] calldata records) external {
        State memory d = _opening(disputeId, s, DEMAND_STATE);
        uint8 which = d.demand >> STATE_WHICH_SHIFT;
        uint256 n = records.length;
        require(n > 0 && n <= MAX_OPENING_LEAVES, TheRecordsAreNotTheDemandedState(which));
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) leaves[i] = MerkleSha256.leafHashCd(records[i]);
        require(MerkleSha256.rootOf(leaves) == _stateRoot(d, which), TheRecordsAreNotTheDemandedState(which));
        d.demand &= ~(DEMAND_DUE | uint8(3 << STATE_WHICH_SHIFT));
        emit StatePosted(disputeId, which, _renew(disputeId, d), records);
    }

    function _stateRoot(State memory d, uint8 which) internal view returns (bytes32) {
        return which == STATE_AGREED ? d.h0 : which == STATE_DISPUTED ? d.h1 : market.modelRootOf(d.taskId);
    }

    /// @notice The solver opens the disputed step's op trace: for every op of the graph, its entry's graph leaf hash,
    /// output root and output size. The contract computes the root of the `0x60` entries and requires it to be the op
    /// trace the segment committed, and emits the entries for the challenger.
    function postOpTrace(
        uint256 disputeId,
        State calldata s,
        bytes32[] calldata graphLeaves,
        bytes32[] calldata outputRoots,
        uint64[] calldata outputElems
    ) external {
        State memory d = _opening(disputeId, s, DEMAND_OP_TRACE);
        uint64 n = d.graphOps;
        require(graphLeaves.length == n && outputRoots.length == n && outputElems.length == n, AnOpTraceHasOneEntryPerGraphOp());
        bytes32[] memory leaves = new bytes32[](n);
        for (uint64 i = 0; i < n; ++i) {
            leaves[i] = _opLeafOf(i, graphLeaves[i], outputRoots[i], outputElems[i]);
        }
        require(MerkleSha256.rootOf(leaves) == d.opTraceRoot, TheEntriesAreNotTheCommittedOpTrace());
        d.demand &= ~DEMAND_DUE;
        emit OpTracePosted(disputeId, _renew(disputeId, d), graphLeaves, outputRoots, outputElems);
    }

    /// @notice Name the first disputed step `st` and, in it, op `opIndex` (whose inputs the challenger accepts) and
    /// one output element. The op-trace entry (0x60 || uint64 opIndex || graphLeafHash || outputRoot || uint64
    /// outputElems) is proven against the step's op trace, with `graphRecord` the record it names. That record is not
    /// proven against the task's graph root here: an op trace whose record is not the graph's is the record claim's
    /// to rule (`claimRecord`, which an honest challenger makes before any element claim), so an element claim takes
    /// the op trace's record as agreed.
    function disputeOp(
        uint256 disputeId,
        State calldata s,
        Step calldata st,
        uint64 opIndex,
        bytes calldata graphRecord,
        bytes32 outputRoot,
        uint64 outputElems,
        bytes32[] calldata opTraceProof,
        uint64 element
    ) external nonReentrant {
        State memory d = _turn(disputeId, s, 3);
        if (!_step(disputeId, d, st)) return;
        require(graphRecord.length > 0 && uint8(graphRecord[0]) == TAG_GRAPH_OP, NotAGraphOpRecord());
        bytes32 graphLeaf = MerkleSha256.leafHashCd(graphRecord);
        uint16 kind = _opCode(graphRecord);
        require(kind != OP_STATE && kind != OP_INPUT, ASourceHasNoElementChain());
        require(d.opTraceRoot.verify(d.graphOps, opIndex, _opLeafOf(opIndex, graphLeaf, outputRoot, outputElems), opTraceProof), BadProofOfOpTraceEntry());
        require(element < outputElems, ElementOutsideTheOutput());
        d.opIndex = opIndex;
        d.graphLeafHash = graphLeaf;
        d.outputRoot = outputRoot;
        d.outputElems = outputElems;
        d.element = element;
        emit OpDisputed(disputeId, opIndex, element, outputRoot, outputElems, graphLeaf, _advance(disputeId, d));
    }

    /// @notice Round 3, record claim: in disputed step `st`, the op trace's entry `e` carries another graph leaf hash
    /// than the task graph's leaf `e.opIndex` (`graphLeaf`, proven). Rules at once.
    function claimRecord(uint256 disputeId, State calldata s, Step calldata st, OpEntry calldata e, bytes32 graphLeaf, bytes32[] calldata graphProof)
        external
        nonReentrant
    {
        State memory d = _turn(disputeId, s, 3);
        if (!_step(disputeId, d, st)) return;
        _proveOp(d, e);
        require(d.graphRoot.verify(d.graphOps, e.opIndex, graphLeaf, graphProof), BadProofOfGraphOp());
        _ruleClaim(disputeId, d, WireCodes.CLAIM_RECORD, e.opIndex, graphLeaf != e.graphLeafHash);
    }

    /// @notice Round 3, source claim: in disputed step `st`, op `e.opIndex` is a source (its graph record proven) whose output
    /// root is not what the agreed state holds: for a STATE node, the agreed state's 0x20 record of the
    /// same name (proven against the pre-state root); for the `step` INPUT, the tensor root of
    /// [float(step-1)]; for a dataset INPUT, the task's 0x30 record of the same name (proven against the
    /// dataset root posted with the task). Rules at once.
    function claimSource(
        uint256 disputeId,
        State calldata s,
        Step calldata st,
        OpEntry calldata e,
        bytes calldata graphRecord,
        bytes32[] calldata graphProof,
        Leaf calldata stateRecord
    ) external nonReentrant {
        State memory d = _turn(disputeId, s, 3);
        if (!_step(disputeId, d, st)) return;
        _proveOp(d, e);
        require(graphRecord.length > 0 && uint8(graphRecord[0]) == TAG_GRAPH_OP, NotAGraphOpRecord());
        bytes32 graphLeaf = MerkleSha256.leafHashCd(graphRecord);
        require(graphLeaf == e.graphLeafHash, EntryAndRecordDifferMakeARecordClaim());
        require(d.graphRoot.verify(d.graphOps, e.opIndex, graphLeaf, graphProof), BadProofOfGraphOp());
        uint16 kind = _opCode(graphRecord);
        bytes calldata name = _nodeName(graphRecord);
        bytes32 want;
        if (kind == OP_STATE) {
            require(_isNamedRecord(stateRecord.data, TAG_STATE_TENSOR, name), NotTheStateRecordOfThatName());
            require(_proveLeaf(d.h0, stateRecord), BadProofOfStateRecord());
            want = bytes32(stateRecord.data[stateRecord.data.length - 32:]);
        } else if (kind == OP_INPUT && keccak256(name) == keccak256("step")) {
            bytes32 leaf = MerkleSha256.leafHash(abi.encodePacked(bytes1(TAG_TENSOR_CHUNK), _le32(_u64ToF32(d.step - 1))));
            want = sha256(abi.encodePacked(bytes1(0x02), uint64(1), leaf));
        } else if (kind == OP_INPUT) {
            // a dataset array: the task's 0x30 record of the same name, proven against the dataset root the task was posted with
            require(_isNamedRecord(stateRecord.data, TAG_DATASET_ARRAY, name), NotTheDatasetRecordOfThatName());
            require(_proveLeaf(d.datasetRoot, stateRecord), BadProofOfDatasetRecord());
            want = bytes32(stateRecord.data[stateRecord.data.length - 32:]);
        } else {
            revert NotASourceNode();
        }
        _ruleClaim(disputeId, d, WireCodes.CLAIM_SOURCE, e.opIndex, want != e.outputRoot);
    }

    /// @notice Round 3, update claim: in disputed step `st`, the disputed state's 0x20 record (proven against the post-state
    /// root) holds another tensor root than op-trace entry `e`. Which node holds which state tensor after
    /// the step is committed by the graph root: the graph record of node `e.opIndex` (proven) ends with
    /// the list of state tensors it updates (docs/commitments.md). A record that does not list the state
    /// record's name makes the claim false. Rules at once.
    function claimUpdate(
        uint256 disputeId,
        State calldata s,
        Step calldata st,
        OpEntry calldata e,
        bytes calldata graphRecord,
        bytes32[] calldata graphProof,
        Leaf calldata stateRecord
    ) external nonReentrant {
        State memory d = _turn(disputeId, s, 3);
        if (!_step(disputeId, d, st)) return;
        _proveOp(d, e);
        require(graphRecord.length > 0 && uint8(graphRecord[0]) == TAG_GRAPH_OP, NotAGraphOpRecord());
        require(d.graphRoot.verify(d.graphOps, e.opIndex, MerkleSha256.leafHashCd(graphRecord), graphProof), BadProofOfGraphOp());
        bytes calldata rec = stateRecord.data;
        require(rec.length > 35 && uint8(rec[0]) == TAG_STATE_TENSOR, NotAStateTensorRecord());
        require(_proveLeaf(d.h1, stateRecord), BadProofOfStateRecord());
        uint256 nameLen = uint16(bytes2(rec[1:3]));
        require(rec.length >= 3 + nameLen + 1 + 32, NotAStateTensorRecord());
        bool updates = _updates(graphRecord, rec[3:3 + nameLen]);
        _ruleClaim(disputeId, d, WireCodes.CLAIM_UPDATE, e.opIndex, updates && bytes32(rec[rec.length - 32:]) != e.outputRoot);
    }

    /// @notice Round 3, scalars claim: in disputed step `st`, the disputed state's 0x21 record is not the agreed one advanced by
    /// one step (step+1, dataCursor+batch, rngCounter = step+1). `batch` is the `batch` attribute of a data
    /// gather op of the task graph (record proven at `gatherIndex`). Rules at once.
    function claimScalars(
        uint256 disputeId,
        State calldata s,
        Step calldata st,
        Leaf calldata pre,
        Leaf calldata post,
        bytes calldata gatherRecord,
        uint64 gatherIndex,
        bytes32[] calldata gatherProof
    ) external nonReentrant {
        State memory d = _turn(disputeId, s, 3);
        if (!_step(disputeId, d, st)) return;
        require(pre.data.length == 25 && uint8(pre.data[0]) == TAG_STATE_SCALARS, NotAScalarsRecord());
        require(post.data.length == 25 && uint8(post.data[0]) == TAG_STATE_SCALARS, NotAScalarsRecord());
        require(_proveLeaf(d.h0, pre), BadProofOfAgreedScalars());
        require(_proveLeaf(d.h1, post), BadProofOfDisputedScalars());
        require(gatherRecord.length > 0 && uint8(gatherRecord[0]) == TAG_GRAPH_OP, NotAGraphOpRecord());
        require(d.graphRoot.verify(d.graphOps, gatherIndex, MerkleSha256.leafHashCd(gatherRecord), gatherProof), BadProofOfGraphOp());
        uint64 batch = _batchAttr(gatherRecord);
        uint64 step = uint64(bytes8(pre.data[1:9]));
        uint64 cursor = uint64(bytes8(pre.data[9:17]));
        bool advanced = uint64(bytes8(post.data[1:9])) == step + 1 && uint64(bytes8(post.data[9:17])) == cursor + batch
            && uint64(bytes8(post.data[17:25])) == step + 1;
        _ruleClaim(disputeId, d, WireCodes.CLAIM_SCALARS, gatherIndex, !advanced);
    }

    /// @notice Round 3, model claim, in a dispute of the last segment before any step is named: the task's model root
    /// holds a `0x20` record (proven against the committed model root, whose leaf count the root commits) that is not
    /// the final state's record of the same name (proven against the last checkpoint, which round 2 opened): another
    /// tensor root or shape. The model is the last checkpoint's weights, so the challenger is right exactly when the two
    /// records differ. Rules at once.
    function claimModel(uint256 disputeId, State calldata s, Leaf calldata modelRecord, Leaf calldata stateRecord) external nonReentrant {
        State memory d = _turn(disputeId, s, 3);
        require(d.step == 0, AStepIsNamedAlready());
        require(d.segment + 2 == d.traceLeaves, TheModelClaimDisputesTheLastSegment());
        bytes calldata m = modelRecord.data;
        require(m.length > 3 && uint8(m[0]) == TAG_STATE_TENSOR, NotAStateTensorRecord());
        bytes calldata name = m[3:3 + uint16(bytes2(m[1:3]))];
        require(_isNamedRecord(stateRecord.data, TAG_STATE_TENSOR, name), NotTheStateRecordOfThatName());
        require(_proveLeaf(market.modelRootOf(d.taskId), modelRecord), BadProofOfModelRecord());
        require(_proveLeaf(d.h1, stateRecord), BadProofOfFinalStateRecord());
        _ruleClaim(disputeId, d, WireCodes.CLAIM_MODEL, modelRecord.index, keccak256(m) != keccak256(stateRecord.data));
    }

    /// @notice The ends claim (kind 8): the op trace the solver posted in round 2 for the segment's last step is not the
    /// one it committed for that step with its trace (its `0x53` entry in the task's ends root, which the seats' probes
    /// prove against). Names the last step (its segment leaves proven); `committed` is the ends entry's op-trace root,
    /// proven at the segment's index. A solver that made up a segment end must either post the op trace it committed
    /// (and lose the op claims on it, as for any made-up trace) or post another one and lose here; a claim on a right end
    /// loses the challenger its bond.
    function claimEnds(uint256 disputeId, State calldata s, Step calldata st, bytes32 committed, bytes32[] calldata endsProof)
        external
        nonReentrant
    {
        State memory d = _turn(disputeId, s, 3);
        require(d.step == 0, AStepIsNamedAlready());
        require(st.k == d.segEndStep - d.segStartStep, TheEndsClaimNamesTheLastStep());
        if (!_step(disputeId, d, st)) return;
        bytes32 leaf = MerkleSha256.leafHash(abi.encodePacked(WireCodes.TAG_SEGMENT_END, d.step, committed));
        require(MerkleSha256.verify(market.endsRootOf(d.taskId), d.traceLeaves - 1, d.segment, leaf, endsProof), BadProofOfTheSegmentEnd());
        _ruleClaim(disputeId, d, WireCodes.CLAIM_ENDS, 0, committed != st.postOpTrace);
    }

    function _ruleClaim(uint256 disputeId, State memory d, uint8 kind, uint64 node, bool claimRight) internal {
        emit ClaimRuled(disputeId, kind, node, claimRight);
        _resolve(disputeId, d, claimRight);
    }

    // ------------------------------------------------------------------ round 4 (solver)

    /// @notice The element chain: a tree over `links` 0x70 link leaves then the 0x71 result leaf
    /// (docs/commitments.md). The solver proves the disputed element's value against the output tensor
    /// root (its 256-element chunk) and the result leaf (leaf `links`), whose operand bits must be that
    /// value (NaN equals NaN).
    function postElementChain(
        uint256 disputeId,
        State calldata s,
        bytes32 chainRoot,
        uint64 links,
        bytes calldata chunk,
        bytes32[] calldata chunkProof,
        bytes calldata resultLeaf,
        bytes32[] calldata resultProof
    ) external {
        State memory d = _turn(disputeId, s, 4);
        uint32 value = _element(d.outputRoot, d.outputElems, d.element, chunk, chunkProof);
        require(resultLeaf.length == 1 + OPERAND_BYTES && uint8(resultLeaf[0]) == TAG_RESULT, NotAChainResultLeaf());
        require(_same(uint32(bytes4(resultLeaf[10:14])), value), TheChainSResultIsNotTheCommittedElement());
        require(chainRoot.verify(links + 1, links, MerkleSha256.leafHashCd(resultLeaf), resultProof), BadProofOfTheChainResult());
        d.outputRoot = chainRoot;
        d.links = links;
        d.claimedValue = value;
        emit ElementChainPosted(disputeId, chainRoot, links, value, _advance(disputeId, d));
    }

    // ------------------------------------------------------------------ round 5 (challenger)

    /// @notice Round 5 when the solver did not publish the element chain: the solver must post its leaves (`postChain`)
    /// before the deadline or lose; then it is the challenger's round 5 again.
    function demandChain(uint256 disputeId, State calldata s) external {
        State memory d = _turn(disputeId, s, 5);
        require(d.demand & CHAIN_OPENED == 0, TheChainWasOpenedAlready());
        require(d.links < MAX_OPENING_LEAVES, TheChainIsTooLongToOpen());
        d.demand |= DEMAND_CHAIN;
        emit ChainDemanded(disputeId, _renew(disputeId, d));
    }

    /// @notice Round 5 on a chain too long for one opening (more than MAX_OPENING_LEAVES leaves): demands page `page`. The
    /// solver posts its leaves with the path from the page's subtree up to the chain root (`postChainPage`) or loses. Each
    /// page opens once, so a chain of L leaves can be opened whole in ceil(L / 4096) demands, each inside a block.
    function demandChainPage(uint256 disputeId, State calldata s, uint64 page) external {
        State memory d = _turn(disputeId, s, 5);
        require(d.links >= MAX_OPENING_LEAVES, TheChainFitsOneOpening());
        require(uint256(page) << PAGE_HEIGHT <= d.links && !chainPageOpened[disputeId][page], NoSuchPage(page));
        chainPageOpened[disputeId][page] = true;
        chainPageDue[disputeId] = uint256(page) + 1;
        d.demand |= DEMAND_CHAIN;
        emit ChainPageDemanded(disputeId, page, _renew(disputeId, d));
    }

    /// @notice The solver opens the demanded page of the element chain (the contract checks it against the chain root).
    function postChainPage(uint256 disputeId, State calldata s, bytes[] calldata leaves, bytes32[] calldata path) external {
        State memory d = _opening(disputeId, s, DEMAND_CHAIN);
        uint256 due = chainPageDue[disputeId];
        require(due != 0, NoSuchOpeningIsDue());
        uint64 page = uint64(due - 1);
        bytes32[] memory hashes = new bytes32[](leaves.length);
        for (uint256 i = 0; i < leaves.length; ++i) hashes[i] = MerkleSha256.leafHashCd(leaves[i]);
        require(MerkleSha256.verifyPage(d.outputRoot, d.links + 1, PAGE_HEIGHT, page, hashes, path), ThePageIsNotTheCommittedChain(page));
        chainPageDue[disputeId] = 0;
        d.demand &= ~DEMAND_DUE;
        emit ChainPagePosted(disputeId, page, _renew(disputeId, d), leaves);
    }

    /// @notice The solver opens the element chain: its `links` 0x70 link leaves and the 0x71 result leaf. The contract
    /// computes the chain root from them and requires it to be the one round 4 posted, and emits them for the challenger.
    function postChain(uint256 disputeId, State calldata s, bytes[] calldata leaves) external {
        State memory d = _opening(disputeId, s, DEMAND_CHAIN);
        require(chainPageDue[disputeId] == 0, NoSuchOpeningIsDue()); // a page is due, not the whole chain
        require(leaves.length == d.links + 1, AChainHasItsLinksAndTheResultLeaf());
        bytes32[] memory hashes = new bytes32[](leaves.length);
        for (uint256 i = 0; i < leaves.length; ++i) {
            hashes[i] = MerkleSha256.leafHashCd(leaves[i]);
        }
        require(MerkleSha256.rootOf(hashes) == d.outputRoot, TheLeavesAreNotTheCommittedChain());
        d.demand = (d.demand & ~DEMAND_DUE) | CHAIN_OPENED;
        emit ChainPosted(disputeId, _renew(disputeId, d), leaves);
    }

    /// @notice Name the first wrong word of the chain: link `t < links` (a 0x70 leaf) or `t == links`
    /// (the 0x71 result leaf), proven against the chain root. `evidence` may show that an operand
    /// misquotes its source (an input element against the op trace, an earlier link against the
    /// chain): then the challenger wins. A non-empty `structure` (StructureReferee.Bundle, ABI-encoded) asks the
    /// structure referee whether the leaf is the link (or result, chain length) the op prescribes at `t`: if not,
    /// the challenger wins; an op kind it does not cover rules nothing. Otherwise a link is recomputed by the
    /// referee; a result leaf that quotes its source correctly stands (round 4 tied it to the committed element).
    function disputeLink(
        uint256 disputeId,
        State calldata s,
        uint64 t,
        bytes calldata leaf,
        bytes32[] calldata proof,
        Evidence[] calldata evidence,
        bytes calldata structure
    ) external nonReentrant {
        State memory d = _turn(disputeId, s, 5);
        uint64 links = d.links;
        require(t <= links, NoSuchLink());
        require(d.outputRoot.verify(links + 1, t, MerkleSha256.leafHashCd(leaf), proof), BadProofOfLink());
        bool isResult = t == links;
        uint256 nOps;
        uint256 first; // offset of the first operand
        if (isResult) {
            nOps = 1;
            first = 1;
        } else {
            // the leaf is proven at index t of the solver's chain: one that is not link t is the solver's malformed chain
            if (leaf.length < 7 || uint8(leaf[0]) != TAG_LINK || uint32(bytes4(leaf[1:5])) != t) return _ruleLink(disputeId, d, t, false);
            nOps = uint8(leaf[6]);
            first = 7;
            if (leaf.length != 7 + OPERAND_BYTES * nOps + 4) return _ruleLink(disputeId, d, t, false);
        }
        for (uint256 j = 0; j < nOps; ++j) {
            uint256 o = first + OPERAND_BYTES * j;
            uint8 kind = uint8(leaf[o]);
            if (kind > WireCodes.OPERAND_CONSTANT) return _ruleLink(disputeId, d, t, false);
            if (kind == WireCodes.OPERAND_LINK && uint32(bytes4(leaf[o + 1:o + 5])) >= t) return _ruleLink(disputeId, d, t, false); // not an earlier link
        }
        for (uint256 k = 0; k < evidence.length; ++k) {
            if (_misquoted(d, leaf, first, nOps, evidence[k])) return _ruleLink(disputeId, d, t, false);
        }
        if (structure.length != 0 && _structureWrong(disputeId, d, t, leaf, structure)) return _ruleLink(disputeId, d, t, false);
        if (isResult) return _ruleLink(disputeId, d, t, true);
        _ruleLink(disputeId, d, t, _rule(disputeId, d, t, leaf));
    }

    /// @dev The structure referee's answer on leaf `t` (proofs that do not verify revert inside it).
    function _structureWrong(uint256 disputeId, State memory d, uint64 t, bytes calldata leaf, bytes calldata structure) internal returns (bool) {
        (, IStructureReferee structureReferee) = params.refereesOf(terms[disputeId].refereeSet);
        require(address(structureReferee) != address(0), NoStructureReferee());
        IStructureReferee.Site memory site = IStructureReferee.Site(
            d.graphRoot, d.graphOps, d.graphLeafHash, d.opTraceRoot, d.outputRoot, d.links, d.element, t
        );
        (bool covered, bool matches, string memory why) = structureReferee.rule(site, leaf, structure);
        emit StructureRuled(disputeId, t, covered, matches, why);
        return covered && !matches;
    }

    /// @dev The referee's ruling on link `t` (its own function: the claim does not fit disputeLink's stack).
    function _rule(uint256 disputeId, State memory d, uint64 t, bytes calldata leaf) internal view returns (bool) {
        (IReferee referee,) = params.refereesOf(terms[disputeId].refereeSet);
        IReferee.Claim memory c;
        c.graphLeafHash = d.graphLeafHash;
        c.preState = d.h0;
        c.opTraceRoot = d.opTraceRoot;
        c.step = d.step;
        c.opIndex = d.opIndex;
        c.element = d.element;
        c.linkIndex = t;
        c.chainLength = d.links;
        c.opcode = uint8(leaf[5]);
        c.result = uint32(bytes4(leaf[leaf.length - 4:]));
        return referee.rule(c, leaf);
    }

    function _ruleLink(uint256 disputeId, State memory d, uint64 t, bool correct) internal {
        emit LinkRuled(disputeId, t, correct);
        _resolve(disputeId, d, !correct);
    }

    /// @dev True iff `ev` proves that operand `ev.operand` of the leaf quotes other bits than its source.
    /// Reverts on evidence that does not verify (the challenger may send it again before the deadline).
    function _misquoted(State memory d, bytes calldata leaf, uint256 first, uint256 nOps, Evidence calldata ev) internal view returns (bool) {
        require(ev.operand < nOps, NoSuchOperand());
        uint256 o = first + OPERAND_BYTES * ev.operand;
        uint8 kind = uint8(leaf[o]);
        uint32 number = uint32(bytes4(leaf[o + 1:o + 5]));
        uint32 index = uint32(bytes4(leaf[o + 5:o + 9]));
        uint32 bits = uint32(bytes4(leaf[o + 9:o + 13]));
        if (kind == WireCodes.OPERAND_INPUT) {
            require(MerkleSha256.leafHashCd(ev.graphRecord) == d.graphLeafHash, NotTheDisputedOpSRecord());
            require(number < _nInputs(ev.graphRecord), NoSuchInput());
            require(ev.input.opIndex == _inputId(ev.graphRecord, number), NotThatInputSOpTraceEntry());
            _proveOp(d, ev.input);
            uint32 actual = _element(ev.input.outputRoot, ev.input.outputElems, index, ev.chunk, ev.chunkProof);
            return !_same(actual, bits);
        } else if (kind == WireCodes.OPERAND_LINK) {
            require(d.outputRoot.verify(d.links + 1, number, MerkleSha256.leafHashCd(ev.link), ev.linkProof), BadProofOfEarlierLink());
            // proven at index `number` of the solver's chain: a leaf that is not link `number` cannot be what the operand quotes
            if (ev.link.length < 11 || uint8(ev.link[0]) != TAG_LINK || uint32(bytes4(ev.link[1:5])) != number) return true;
            return uint32(bytes4(ev.link[ev.link.length - 4:])) != bits;
        }
        revert AConstantHasNoSourceToProve();
    }

    // ------------------------------------------------------------------ helpers

    /// @dev Element `e` of the tensor with root `root` and `elems` elements, read from its proven chunk.
    function _element(bytes32 root, uint64 elems, uint64 e, bytes calldata chunk, bytes32[] calldata chunkProof) internal view returns (uint32) {
        require(e < elems, ElementOutsideTheTensor());
        uint64 chunkIndex = e / uint64(CHUNK_ELEMS);
        uint64 chunks = (elems + uint64(CHUNK_ELEMS) - 1) / uint64(CHUNK_ELEMS);
        uint256 expectedLen = chunkIndex + 1 < chunks ? CHUNK_ELEMS : elems - chunkIndex * CHUNK_ELEMS;
        require(chunk.length == 4 * expectedLen, WrongChunkLength());
        bytes32 chunkLeaf;
        uint8 tag = TAG_TENSOR_CHUNK; // assembly reads only literal constants
        assembly ("memory-safe") {
            // H(0x00 || 0x10 || chunk) in scratch memory
            let p := mload(0x40)
            mstore8(p, 0)
            mstore8(add(p, 1), tag)
            calldatacopy(add(p, 2), chunk.offset, chunk.length)
            if iszero(staticcall(gas(), 2, p, add(chunk.length, 2), 0, 32)) { revert(0, 0) }
            chunkLeaf := mload(0)
        }
        require(root.verify(chunks, chunkIndex, chunkLeaf, chunkProof), BadProofOfChunk());
        uint256 o = 4 * (e % CHUNK_ELEMS);
        // float32 little-endian in the chunk -> uint32 bit pattern
        return uint32(uint8(chunk[o])) | (uint32(uint8(chunk[o + 1])) << 8) | (uint32(uint8(chunk[o + 2])) << 16) | (uint32(uint8(chunk[o + 3])) << 24);
    }

    function _isNaN(uint32 b) internal pure returns (bool) {
        return (b & 0x7f800000) == 0x7f800000 && (b & 0x007fffff) != 0;
    }

    function _same(uint32 a, uint32 b) internal pure returns (bool) {
        return a == b || (_isNaN(a) && _isNaN(b));
    }

    function _le32(uint32 v) internal pure returns (bytes4) {
        return bytes4((v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24));
    }

    /// @dev (float) v, round to nearest even.
    function _u64ToF32(uint64 v) internal pure returns (uint32) {
        if (v == 0) return 0;
        uint256 e = 63;
        while ((v >> e) & 1 == 0) e--;
        uint256 m;
        if (e <= 23) {
            m = uint256(v) << (23 - e);
        } else {
            uint256 s = e - 23;
            m = uint256(v) >> s;
            uint256 rem = uint256(v) & ((1 << s) - 1);
            uint256 half = 1 << (s - 1);
            if (rem > half || (rem == half && m & 1 == 1)) m++;
            if (m == 1 << 24) {
                m >>= 1;
                e++;
            }
        }
        return uint32(((e + 127) << 23) | (m & 0x7fffff));
    }

    // graph op record: 0x40 | uint32 id | uint16 opCode | uint8 role | uint32 nInputs | uint32 input... |
    // uint32 rank | uint32 dim... | uint32 attrLen | attrs | uint16 nameLen | name   (docs/commitments.md)
    function _opCode(bytes calldata r) internal pure returns (uint16) {
        return uint16(bytes2(r[5:7]));
    }

    function _nInputs(bytes calldata r) internal pure returns (uint32) {
        return uint32(bytes4(r[8:12]));
    }

    function _inputId(bytes calldata r, uint32 i) internal pure returns (uint64) {
        uint256 o = 12 + 4 * uint256(i);
        return uint32(bytes4(r[o:o + 4]));
    }

    function _nodeName(bytes calldata r) internal pure returns (bytes calldata) {
        uint256 o = GraphRecord.nameAt(r);
        uint256 len = uint16(bytes2(r[o:o + 2]));
        return r[o + 2:o + 2 + len];
    }

    /// @dev True iff the graph record's update trailer (after the name: uint16 n, then n times
    /// uint16 len | name) lists state tensor `name`.
    function _updates(bytes calldata r, bytes calldata name) internal pure returns (bool) {
        uint256 o = GraphRecord.updatesAt(r);
        uint256 n = uint16(bytes2(r[o:o + 2]));
        o += 2;
        bytes32 want = keccak256(name);
        for (uint256 i = 0; i < n; ++i) {
            uint256 len = uint16(bytes2(r[o:o + 2]));
            if (len == name.length && keccak256(r[o + 2:o + 2 + len]) == want) return true;
            o += 2 + len;
        }
        return false;
    }

    /// @dev The `batch` attribute of a GATHER_ROWS / GATHER_WINDOWS record: attributes are in name order
    /// and `batch` sorts first (batch, seed, window): uint32 count | uint16 5 | "batch" | 0x01 | int64.
    function _batchAttr(bytes calldata r) internal pure returns (uint64) {
        uint16 code = _opCode(r);
        require(code == OP_GATHER_ROWS || code == OP_GATHER_WINDOWS, NotADataGatherOp());
        uint256 o = GraphRecord.attrsAt(r) + 8;
        require(uint16(bytes2(r[o:o + 2])) == 5 && bytes5(r[o + 2:o + 7]) == bytes5("batch") && uint8(r[o + 7]) == 1, NoBatchAttribute());
        return uint64(bytes8(r[o + 8:o + 16]));
    }

    /// @dev A `tag` record (0x20 / 0x30 layout: tag | uint16 nameLen | name | uint8 rank | dims | root) named `name`.
    function _isNamedRecord(bytes calldata rec, uint8 tag, bytes calldata name) internal pure returns (bool) {
        if (rec.length < 3 + name.length + 1 + 32 || uint8(rec[0]) != tag) return false;
        if (uint16(bytes2(rec[1:3])) != name.length) return false;
        return keccak256(rec[3:3 + name.length]) == keccak256(name);
    }

    // ------------------------------------------------------------------ silence

    /// @notice After a missed deadline anyone may end the dispute: the party whose turn it was loses.
    function timeout(uint256 disputeId, State calldata s) external nonReentrant {
        State memory d = _load(disputeId, s);
        require(block.timestamp > d.deadline, RoundDeadlineNotPassed());
        // a demanded opening is the solver's to post, whatever the round
        bool challengerSilent = d.demand & DEMAND_DUE == DEMAND_NONE && d.round % 2 == 1;
        emit DisputeTimedOut(disputeId, d.round, challengerSilent ? d.challenger : d.defender);
        _resolve(disputeId, d, !challengerSilent);
    }

    function _resolve(uint256 disputeId, State memory d, bool challengerWon) internal {
        d.round = 0;
        d.challengerWon = challengerWon;
        stateHash[disputeId] = keccak256(abi.encode(d));
        openDisputes -= 1;
        uint256 taskId = d.taskId;
        uint256 bond = terms[disputeId].bond;
        totalBonds -= bond;
        uint256 forfeited = challengerWon ? 0 : bond;
        // the market says what is left to slash: the whole locked stake for the task's first winning challenger, nothing
        // for a later one (other disputes of the same task may have ended first)
        uint256 slashed = market.onDisputeResolved(taskId, challengerWon);
        // one call pays everything: the slash (half to the challenger with its bond, half accrued to the
        // treasury), a later winner's bond back, or the forfeited bond to the solver
        staking.payDispute(d.defender, d.challenger, slashed, bond, challengerWon);
        emit DisputeResolved(disputeId, taskId, challengerWon, slashed, forfeited);
    }
}
