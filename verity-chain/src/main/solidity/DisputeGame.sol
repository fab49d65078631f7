// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20, ReentrancyGuard, Wired, MerkleSha256} from "./Common.sol";
import {Staking} from "./Staking.sol";
import {TaskMarket} from "./TaskMarket.sol";
import {IReferee} from "./Referee.sol";

/// @title DisputeGame: DESIGN.md Protocol step 6, rounds 1-7, each one transaction with a deadline.
/// @notice Odd rounds are the challenger's, even rounds the solver's (the defender). Every round
/// checks its Merkle proofs (SHA-256 precompile, docs/commitments.md) against what the other side
/// already committed, so each round's gas depends only on proof depths (logarithmic), never on the
/// model size or the number of steps. Leaf layouts are in docs/dispute-protocol.md.
/// A party that misses its deadline loses (`timeout`). The loser: a solver has its locked task stake
/// slashed (half to the challenger, half to the treasury); a challenger forfeits its bond to the
/// solver. A winning challenger also gets its bond back.
contract DisputeGame is ReentrancyGuard, Wired {
    using MerkleSha256 for bytes32;

    uint8 internal constant TAG_TENSOR_CHUNK = 0x10;
    uint8 internal constant TAG_GRAPH_OP = 0x40;
    uint8 internal constant TAG_TRACE_ENTRY = 0x50;
    uint8 internal constant TAG_OP_TRACE = 0x60;
    uint8 internal constant TAG_LINK = 0x70;
    uint256 internal constant CHUNK_ELEMS = 256;

    struct Link {
        uint8 opcode;
        uint32 x;
        uint32 y;
        uint32 z;
        uint32 result;
    }

    struct Dispute {
        uint256 taskId;
        address challenger;
        address defender;
        uint8 nextRound; // 2..7 while open; 0 when resolved
        uint64 deadline;
        bool challengerWon;
        uint256 bond;
        uint256 solverStake;
        bytes32 graphRoot;
        uint64 graphOps;
        // round 1
        uint64 segment;
        uint64 segStartStep;
        uint64 segEndStep;
        bytes32 startState;
        bytes32 endState;
        // round 2
        bytes32 segmentRoot;
        // round 3
        uint64 step;
        bytes32 preState;
        bytes32 postState;
        // round 4
        bytes32 opTraceRoot;
        // round 5
        uint64 opIndex;
        bytes32 graphLeafHash;
        bytes32 outputRoot;
        uint64 outputElems;
        uint64 element;
        // round 6
        bytes32 chainRoot;
        uint64 chainLength;
        uint32 claimedValue;
    }

    IERC20 public immutable token;
    Staking public immutable staking;
    IReferee public immutable referee;
    uint256 public immutable challengeBond;
    uint64 public immutable roundTimeout;
    TaskMarket public market;

    uint256 public disputeCount;
    uint256 public totalBonds; // == token.balanceOf(this) between transactions
    mapping(uint256 => Dispute) private disputes;
    mapping(uint256 => uint256) public activeDisputeOf; // taskId => disputeId (0 = none)

    event DisputeOpened(uint256 indexed disputeId, uint256 indexed taskId, address indexed challenger, address defender, uint64 segment, uint64 deadline);
    event SegmentRootPosted(uint256 indexed disputeId, bytes32 segmentRoot, uint64 deadline);
    event StepDisputed(uint256 indexed disputeId, uint64 step, bytes32 preState, bytes32 postState, uint64 deadline);
    event OpTracePosted(uint256 indexed disputeId, bytes32 opTraceRoot, uint64 deadline);
    event OpDisputed(uint256 indexed disputeId, uint64 opIndex, uint64 element, bytes32 outputRoot, uint64 deadline);
    event ElementChainPosted(uint256 indexed disputeId, bytes32 chainRoot, uint64 chainLength, uint32 value, uint64 deadline);
    event LinkRuled(uint256 indexed disputeId, uint64 linkIndex, bool linkCorrect);
    event DisputeTimedOut(uint256 indexed disputeId, uint8 round, address indexed silentParty);
    event DisputeResolved(uint256 indexed disputeId, uint256 indexed taskId, bool challengerWon, uint256 slashed, uint256 bondForfeited);

    constructor(IERC20 token_, Staking staking_, IReferee referee_, uint256 challengeBond_, uint64 roundTimeout_) {
        require(address(referee_) != address(0), "Game: zero referee");
        require(roundTimeout_ > 0, "Game: zero round timeout");
        token = token_;
        staking = staking_;
        referee = referee_;
        challengeBond = challengeBond_;
        roundTimeout = roundTimeout_;
    }

    function wire(TaskMarket market_) external onlyDuringWiring {
        require(address(market_) != address(0), "Game: zero market");
        market = market_;
        _finishWiring();
    }

    function getDispute(uint256 disputeId) external view returns (Dispute memory) {
        require(disputeId > 0 && disputeId <= disputeCount, "Game: no such dispute");
        return disputes[disputeId];
    }

    /// @dev Loads an open dispute, checks it is `round`'s turn, the caller is the party to move and
    /// the deadline has not passed.
    function _turn(uint256 disputeId, uint8 round) internal view returns (Dispute storage d) {
        require(disputeId > 0 && disputeId <= disputeCount, "Game: no such dispute");
        d = disputes[disputeId];
        require(d.nextRound != 0, "Game: dispute already resolved");
        require(d.nextRound == round, "Game: out of turn");
        address mover = round % 2 == 1 ? d.challenger : d.defender;
        require(msg.sender == mover, round % 2 == 1 ? "Game: caller is not the challenger" : "Game: caller is not the solver");
        require(block.timestamp <= d.deadline, "Game: round deadline passed");
    }

    function _advance(Dispute storage d) internal returns (uint64 deadline) {
        d.nextRound += 1;
        deadline = uint64(block.timestamp) + roundTimeout;
        d.deadline = deadline;
    }

    /// @dev Trace entry / segment step entry: 0x50 || uint64(step) || stateRoot.
    function _stepLeaf(uint64 step, bytes32 stateRoot) internal pure returns (bytes32) {
        return MerkleSha256.leafHash(abi.encodePacked(bytes1(TAG_TRACE_ENTRY), step, stateRoot));
    }

    function _linkLeaf(uint64 index, Link calldata l) internal pure returns (bytes32) {
        return MerkleSha256.leafHash(abi.encodePacked(bytes1(TAG_LINK), index, l.opcode, l.x, l.y, l.z, l.result));
    }

    // ------------------------------------------------------------------ round 1 (challenger)

    /// @notice Challenge segment `segment` (checkpoint i -> i+1): prove both trace entries against the
    /// solver's trace root. Pulls `challengeBond` from the challenger (approve this contract first).
    function open(uint256 taskId, uint64 segment, bytes32 startState, bytes32[] calldata startProof, bytes32 endState, bytes32[] calldata endProof)
        external
        nonReentrant
        onlyWired
        returns (uint256 disputeId)
    {
        require(activeDisputeOf[taskId] == 0, "Game: task already disputed");
        (address solver, bytes32 traceRoot, bytes32 graphRoot, uint64 graphOps, uint64 totalSteps, uint64 interval, uint256 solverStake) =
            market.onDisputeOpened(taskId, msg.sender);
        uint64 segs = (totalSteps + interval - 1) / interval;
        require(segment < segs, "Game: no such segment");
        uint64 s0 = segment * interval;
        uint64 s1 = s0 + interval > totalSteps ? totalSteps : s0 + interval;
        require(traceRoot.verify(segs + 1, segment, _stepLeaf(s0, startState), startProof), "Game: bad proof of segment start");
        require(traceRoot.verify(segs + 1, segment + 1, _stepLeaf(s1, endState), endProof), "Game: bad proof of segment end");

        disputeId = ++disputeCount;
        Dispute storage d = disputes[disputeId];
        d.taskId = taskId;
        d.challenger = msg.sender;
        d.defender = solver;
        d.nextRound = 2;
        d.deadline = uint64(block.timestamp) + roundTimeout;
        d.bond = challengeBond;
        d.solverStake = solverStake;
        d.graphRoot = graphRoot;
        d.graphOps = graphOps;
        d.segment = segment;
        d.segStartStep = s0;
        d.segEndStep = s1;
        d.startState = startState;
        d.endState = endState;
        activeDisputeOf[taskId] = disputeId;
        totalBonds += challengeBond;
        require(token.transferFrom(msg.sender, address(this), challengeBond), "Game: bond transfer failed");
        emit DisputeOpened(disputeId, taskId, msg.sender, solver, segment, d.deadline);
    }

    // ------------------------------------------------------------------ round 2 (solver)

    /// @notice The root over the segment's per-step state roots (steps s0..s1, s1-s0+1 leaves); its
    /// first and last leaves must be the checkpoints the challenger proved in round 1.
    function postSegmentRoot(uint256 disputeId, bytes32 segmentRoot, bytes32[] calldata firstProof, bytes32[] calldata lastProof)
        external
        nonReentrant
    {
        Dispute storage d = _turn(disputeId, 2);
        uint64 n = d.segEndStep - d.segStartStep + 1;
        require(segmentRoot.verify(n, 0, _stepLeaf(d.segStartStep, d.startState), firstProof), "Game: segment root does not start at the checkpoint");
        require(segmentRoot.verify(n, n - 1, _stepLeaf(d.segEndStep, d.endState), lastProof), "Game: segment root does not end at the checkpoint");
        d.segmentRoot = segmentRoot;
        emit SegmentRootPosted(disputeId, segmentRoot, _advance(d));
    }

    // ------------------------------------------------------------------ round 3 (challenger)

    /// @notice Name the first disputed step: leaf k (k >= 1) of the segment; leaf k-1 is agreed.
    function disputeStep(uint256 disputeId, uint64 k, bytes32 preState, bytes32[] calldata preProof, bytes32 postState, bytes32[] calldata postProof)
        external
        nonReentrant
    {
        Dispute storage d = _turn(disputeId, 3);
        uint64 n = d.segEndStep - d.segStartStep + 1;
        require(k >= 1 && k < n, "Game: step outside the segment");
        uint64 step = d.segStartStep + k;
        require(d.segmentRoot.verify(n, k - 1, _stepLeaf(step - 1, preState), preProof), "Game: bad proof of pre-state");
        require(d.segmentRoot.verify(n, k, _stepLeaf(step, postState), postProof), "Game: bad proof of post-state");
        d.step = step;
        d.preState = preState;
        d.postState = postState;
        emit StepDisputed(disputeId, step, preState, postState, _advance(d));
    }

    // ------------------------------------------------------------------ round 4 (solver)

    /// @notice The op trace of the disputed step: a tree of `graphOps` leaves, one per graph op.
    function postOpTrace(uint256 disputeId, bytes32 opTraceRoot) external nonReentrant {
        Dispute storage d = _turn(disputeId, 4);
        require(opTraceRoot != bytes32(0), "Game: empty op trace root");
        d.opTraceRoot = opTraceRoot;
        emit OpTracePosted(disputeId, opTraceRoot, _advance(d));
    }

    // ------------------------------------------------------------------ round 5 (challenger)

    /// @notice Name op `opIndex` (whose inputs the challenger accepts) and one output element. The
    /// graph record is proven against the task's graph root, and the op-trace entry
    /// (0x60 || uint64 opIndex || graphLeafHash || outputRoot || uint64 outputElems) against round 4.
    function disputeOp(
        uint256 disputeId,
        uint64 opIndex,
        bytes calldata graphRecord,
        bytes32[] calldata graphProof,
        bytes32 outputRoot,
        uint64 outputElems,
        bytes32[] calldata opTraceProof,
        uint64 element
    ) external nonReentrant {
        Dispute storage d = _turn(disputeId, 5);
        require(graphRecord.length > 0 && uint8(graphRecord[0]) == TAG_GRAPH_OP, "Game: not a graph op record");
        bytes32 graphLeaf = MerkleSha256.leafHash(graphRecord);
        require(d.graphRoot.verify(d.graphOps, opIndex, graphLeaf, graphProof), "Game: bad proof of graph op");
        bytes32 opLeaf = MerkleSha256.leafHash(abi.encodePacked(bytes1(TAG_OP_TRACE), opIndex, graphLeaf, outputRoot, outputElems));
        require(d.opTraceRoot.verify(d.graphOps, opIndex, opLeaf, opTraceProof), "Game: bad proof of op-trace entry");
        require(element < outputElems, "Game: element outside the output");
        d.opIndex = opIndex;
        d.graphLeafHash = graphLeaf;
        d.outputRoot = outputRoot;
        d.outputElems = outputElems;
        d.element = element;
        emit OpDisputed(disputeId, opIndex, element, outputRoot, _advance(d));
    }

    // ------------------------------------------------------------------ round 6 (solver)

    /// @notice The element chain: a tree over `chainLength` links (basic IEEE operations in the op's
    /// fixed order). The solver proves the disputed element's value against the output tensor root
    /// (its 256-element chunk), and that the chain's last link produces exactly that value.
    function postElementChain(
        uint256 disputeId,
        bytes32 chainRoot,
        uint64 chainLength,
        bytes calldata chunk,
        bytes32[] calldata chunkProof,
        Link calldata lastLink,
        bytes32[] calldata lastLinkProof
    ) external nonReentrant {
        Dispute storage d = _turn(disputeId, 6);
        require(chainLength > 0, "Game: empty chain");
        uint64 chunkIndex = d.element / uint64(CHUNK_ELEMS);
        uint64 chunks = (d.outputElems + uint64(CHUNK_ELEMS) - 1) / uint64(CHUNK_ELEMS);
        uint256 expectedLen = chunkIndex + 1 < chunks ? CHUNK_ELEMS : d.outputElems - chunkIndex * CHUNK_ELEMS;
        require(chunk.length == 4 * expectedLen, "Game: wrong chunk length");
        bytes32 chunkLeaf = MerkleSha256.leafHash(abi.encodePacked(bytes1(TAG_TENSOR_CHUNK), chunk));
        require(d.outputRoot.verify(chunks, chunkIndex, chunkLeaf, chunkProof), "Game: bad proof of output chunk");
        uint256 o = 4 * (d.element % CHUNK_ELEMS);
        // float32 little-endian in the chunk -> uint32 bit pattern
        uint32 value = uint32(uint8(chunk[o])) | (uint32(uint8(chunk[o + 1])) << 8) | (uint32(uint8(chunk[o + 2])) << 16)
            | (uint32(uint8(chunk[o + 3])) << 24);
        require(lastLink.result == value, "Game: last link does not produce the committed element");
        require(chainRoot.verify(chainLength, chainLength - 1, _linkLeaf(chainLength - 1, lastLink), lastLinkProof), "Game: bad proof of last link");
        d.chainRoot = chainRoot;
        d.chainLength = chainLength;
        d.claimedValue = value;
        emit ElementChainPosted(disputeId, chainRoot, chainLength, value, _advance(d));
    }

    // ------------------------------------------------------------------ round 7 (challenger)

    /// @notice Name the first wrong link t. The link is proven against the chain root; for t > 0 its
    /// carried operand z must be the proven result of link t-1. The referee recomputes the one
    /// operation and rules; `operandProofs` is passed through for it (operand provenance).
    function disputeLink(
        uint256 disputeId,
        uint64 t,
        Link calldata link,
        bytes32[] calldata linkProof,
        Link calldata prev,
        bytes32[] calldata prevProof,
        bytes calldata operandProofs
    ) external nonReentrant {
        Dispute storage d = _turn(disputeId, 7);
        require(d.chainRoot.verify(d.chainLength, t, _linkLeaf(t, link), linkProof), "Game: bad proof of link");
        if (t > 0) {
            require(d.chainRoot.verify(d.chainLength, t - 1, _linkLeaf(t - 1, prev), prevProof), "Game: bad proof of previous link");
            if (link.z != prev.result) {
                // The chain itself is broken: the carried operand is not the previous result.
                emit LinkRuled(disputeId, t, false);
                _resolve(disputeId, d, true);
                return;
            }
        }
        IReferee.Claim memory c = IReferee.Claim({
            graphLeafHash: d.graphLeafHash,
            preState: d.preState,
            opTraceRoot: d.opTraceRoot,
            step: d.step,
            opIndex: d.opIndex,
            element: d.element,
            linkIndex: t,
            chainLength: d.chainLength,
            opcode: link.opcode,
            x: link.x,
            y: link.y,
            z: link.z,
            result: link.result
        });
        bool correct = referee.rule(c, operandProofs);
        emit LinkRuled(disputeId, t, correct);
        _resolve(disputeId, d, !correct);
    }

    // ------------------------------------------------------------------ silence

    /// @notice After a missed deadline anyone may end the dispute: the party whose turn it was loses.
    function timeout(uint256 disputeId) external nonReentrant {
        require(disputeId > 0 && disputeId <= disputeCount, "Game: no such dispute");
        Dispute storage d = disputes[disputeId];
        require(d.nextRound != 0, "Game: dispute already resolved");
        require(block.timestamp > d.deadline, "Game: round deadline not passed");
        bool challengerSilent = d.nextRound % 2 == 1;
        emit DisputeTimedOut(disputeId, d.nextRound, challengerSilent ? d.challenger : d.defender);
        _resolve(disputeId, d, !challengerSilent);
    }

    function _resolve(uint256 disputeId, Dispute storage d, bool challengerWon) internal {
        d.nextRound = 0;
        d.challengerWon = challengerWon;
        activeDisputeOf[d.taskId] = 0;
        uint256 bond = d.bond;
        totalBonds -= bond;
        uint256 slashed;
        uint256 forfeited;
        if (challengerWon) {
            slashed = d.solverStake;
            if (slashed > 0) {
                staking.slash(d.defender, slashed, address(this));
                uint256 toChallenger = slashed / 2;
                require(token.transfer(d.challenger, bond + toChallenger), "Game: transfer failed");
                require(token.transfer(market.treasury(), slashed - toChallenger), "Game: transfer failed");
            } else {
                require(token.transfer(d.challenger, bond), "Game: transfer failed");
            }
        } else {
            forfeited = bond;
            require(token.transfer(d.defender, bond), "Game: transfer failed");
        }
        market.onDisputeResolved(d.taskId, challengerWon);
        emit DisputeResolved(disputeId, d.taskId, challengerWon, slashed, forfeited);
    }
}
