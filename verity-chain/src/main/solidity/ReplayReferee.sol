// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {WireCodes} from "./WireCodes.sol";
import {MerkleSha256} from "./Common.sol";

/// @notice What a seat reveals at its probe (docs/commitments.md, "Replay proof"): one chunk of one op output of the
/// last step of its segment, proven twice: in the solver's op trace of that step (its segment-end entry, committed with
/// the trace before any seat was drawn), and under the seat's key in the seat's replay root (committed before the probe
/// was drawn). The first proof says the chunk is the solver's; the second, that the seat held it when it attested.
struct ReplayReveal {
    bytes32 opTraceRoot; // the solver's op-trace root of the segment's last step (its 0x53 entry)
    bytes32[] endProof; // that entry in the solver's ends root (leaf `segment` of the task's segments)
    uint64 opCount; // the op trace's leaf count (the root commits to it)
    bytes32 recordHash; // the drawn op's 0x60 entry: its graph record's leaf hash, output root and element count
    bytes32 outputRoot;
    uint64 outputElems;
    bytes32[] opProof; // that entry in opTraceRoot
    bytes chunk; // the drawn chunk of the op's output (float32 little-endian, NaN as 0x7fc00000)
    bytes32[] chunkProof; // its 0x10 leaf in outputRoot
    bytes32 keyedRoot; // the seat's keyed root of the drawn op's output
    bytes32[] keyedOpProof; // the 0x54 entry (op, keyedRoot) in the seat's replay root
    bytes32[] keyedChunkProof; // the 0x55 leaf (key, chunk) in keyedRoot
}

/// @title ReplayReferee: checks a seat's reveal against the solver's segment-end op trace and the seat's replay root.
/// @notice Stateless (TaskMarket calls it); a reveal that does not hold reverts with the proof that failed.
contract ReplayReferee {
    /// @notice The segment-end entry is not leaf `segment` of the solver's ends root.
    error EndNotInEndsRoot(uint64 segment);
    /// @notice The op's 0x60 entry is not leaf `op` of the solver's op trace.
    error OpNotInTrace(uint64 op);
    /// @notice The drawn op's output has no elements, so it has no chunk to reveal.
    error EmptyOutput(uint64 op);
    /// @notice The chunk is not chunk `chunk` of the op's output in the solver's trace.
    error ChunkNotInOutput(uint64 op, uint64 chunk);
    /// @notice The keyed chunk or the keyed op entry is not in the seat's replay root at the drawn place.
    error NotInReplayRoot(uint64 op, uint64 chunk);

    uint64 internal constant CHUNK_ELEMS = 256;

    /// @notice The op a probe seed draws from a step's `opCount` ops (uniform: the seed's low 128 bits).
    function opOf(bytes32 seed, uint64 opCount) public pure returns (uint64) {
        return uint64(uint256(uint128(uint256(seed))) % opCount);
    }

    /// @notice The chunk a probe seed draws from an output of `elems` elements (uniform: the seed's high 128 bits).
    function chunkOf(bytes32 seed, uint64 elems) public pure returns (uint64) {
        return uint64((uint256(seed) >> 128) % ((uint256(elems) + CHUNK_ELEMS - 1) / CHUNK_ELEMS));
    }

    /// @notice Reverts unless `r` proves the drawn chunk of the drawn op of segment `segment`'s last step (step
    /// `endStep`) both in the solver's `endsRoot` (over `segments` entries) and, under `key`, in the seat's `replayRoot`.
    /// Returns the op and chunk it checked.
    function check(
        bytes32 endsRoot,
        uint64 segments,
        uint64 segment,
        uint64 endStep,
        bytes32 replayRoot,
        bytes32 key,
        bytes32 seed,
        ReplayReveal calldata r
    ) external view returns (uint64 op, uint64 chunk) {
        bytes32 end = MerkleSha256.leafHash(abi.encodePacked(WireCodes.TAG_SEGMENT_END, endStep, r.opTraceRoot));
        require(MerkleSha256.verify(endsRoot, segments, segment, end, r.endProof), EndNotInEndsRoot(segment));
        op = opOf(seed, r.opCount);
        bytes32 entry = MerkleSha256.leafHash(
            abi.encodePacked(WireCodes.TAG_OP_TRACE, op, r.recordHash, r.outputRoot, r.outputElems)
        );
        require(MerkleSha256.verify(r.opTraceRoot, r.opCount, op, entry, r.opProof), OpNotInTrace(op));
        require(r.outputElems > 0, EmptyOutput(op));
        chunk = chunkOf(seed, r.outputElems);
        uint64 chunks = (r.outputElems + CHUNK_ELEMS - 1) / CHUNK_ELEMS;
        bytes32 plain = MerkleSha256.leafHash(abi.encodePacked(WireCodes.TAG_TENSOR_CHUNK, r.chunk));
        require(MerkleSha256.verify(r.outputRoot, chunks, chunk, plain, r.chunkProof), ChunkNotInOutput(op, chunk));
        bytes32 keyed = MerkleSha256.leafHash(abi.encodePacked(WireCodes.TAG_KEYED_CHUNK, key, r.chunk));
        bytes32 keyedOp = MerkleSha256.leafHash(abi.encodePacked(WireCodes.TAG_KEYED_OP, op, r.keyedRoot));
        require(
            MerkleSha256.verify(r.keyedRoot, chunks, chunk, keyed, r.keyedChunkProof)
                && MerkleSha256.verify(replayRoot, r.opCount, op, keyedOp, r.keyedOpProof),
            NotInReplayRoot(op, chunk)
        );
    }
}
