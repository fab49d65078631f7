// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {WireCodes} from "./WireCodes.sol";
import {MerkleSha256} from "./Common.sol";

/// @notice One drawn chunk of a reveal: the op's `0x60` entry in the solver's op trace, the chunk in the op's output,
/// and the same chunk under the seat's key in the seat's replay root.
struct ChunkReveal {
    bytes32 recordHash; // the drawn op's 0x60 entry: its graph record's leaf hash, output root and element count
    bytes32 outputRoot;
    uint64 outputElems;
    bytes32[] opProof; // that entry in the segment end's op trace
    bytes chunk; // the drawn chunk of the op's output (float32 little-endian, NaN as 0x7fc00000)
    bytes32[] chunkProof; // its 0x10 leaf in outputRoot
    bytes32 keyedRoot; // the seat's keyed root of the drawn op's output
    bytes32[] keyedOpProof; // the 0x54 entry (op, keyedRoot) in the seat's replay root
    bytes32[] keyedChunkProof; // the 0x55 leaf (key, chunk) in keyedRoot
}

/// @notice What a seat reveals at its probe (docs/commitments.md, "Replay proof"): `DRAWS` drawn chunks of op outputs of
/// the last step of its segment, each proven twice: in the solver's op trace of that step (its segment-end entry,
/// committed with the trace before any seat was drawn), and under the seat's key in the seat's replay root (committed
/// before the probe was drawn). The first proof says a chunk is the solver's; the second, that the seat held it when it
/// attested. Several draws, because some ops' outputs anyone can compute (the step's data, constants, the published next
/// state): a seat that did not replay passes only if every draw lands on one.
struct ReplayReveal {
    bytes32 opTraceRoot; // the solver's op-trace root of the segment's last step (its 0x53 entry)
    bytes32[] endProof; // that entry in the solver's ends root (leaf `segment` of the task's segments)
    uint64 opCount; // the op trace's leaf count (the root commits to it)
    ChunkReveal[] chunks; // one per draw, in draw order
}

/// @title ReplayReferee: checks a seat's reveal against the solver's segment-end op trace and the seat's replay root.
/// @notice Stateless (TaskMarket calls it); a reveal that does not hold reverts with the proof that failed.
contract ReplayReferee {
    /// @notice The segment-end entry is not leaf `segment` of the solver's ends root.
    error EndNotInEndsRoot(uint64 segment);
    /// @notice The op's 0x60 entry is not leaf `op` of the solver's op trace.
    error OpNotInTrace(uint64 op);
    /// @notice The chunk is not chunk `chunk` of the op's output in the solver's trace.
    error ChunkNotInOutput(uint64 op, uint64 chunk);
    /// @notice The keyed chunk or the keyed op entry is not in the seat's replay root at the drawn place.
    error NotInReplayRoot(uint64 op, uint64 chunk);

    /// @notice The reveal has another number of chunks than the probe draws.
    error WrongDrawCount(uint256 got, uint256 want);

    uint64 internal constant CHUNK_ELEMS = 256;
    /// @notice Chunks a probe draws (each of an op drawn uniformly, then a chunk of its output drawn uniformly).
    uint256 public constant DRAWS = 4;

    /// @notice The seed of draw `d` of a probe: keccak256(abi.encode(seed, d)).
    function drawSeed(bytes32 seed, uint256 d) public pure returns (bytes32) {
        return keccak256(abi.encode(seed, d));
    }

    /// @notice The op a draw seed draws from a step's `opCount` ops (uniform: the seed's low 128 bits).
    function opOf(bytes32 seed, uint64 opCount) public pure returns (uint64) {
        return uint64(uint256(uint128(uint256(seed))) % opCount);
    }

    /// @notice The chunk a draw seed draws from an output of `elems` elements (uniform: the seed's high 128 bits).
    function chunkOf(bytes32 seed, uint64 elems) public pure returns (uint64) {
        return uint64((uint256(seed) >> 128) % ((uint256(elems) + CHUNK_ELEMS - 1) / CHUNK_ELEMS));
    }

    /// @notice Reverts unless `r` proves, for each of the `DRAWS` draws of `seed`, the drawn chunk of the drawn op of segment
    /// `segment`'s last step (step `endStep`) both in the solver's `endsRoot` (over `segments` entries) and, under `key`, in
    /// the seat's `replayRoot`. Returns the first draw's op and chunk.
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
        require(r.chunks.length == DRAWS, WrongDrawCount(r.chunks.length, DRAWS));
        for (uint256 d = 0; d < DRAWS; d++) {
            (uint64 o, uint64 c) = _checkChunk(r.opTraceRoot, r.opCount, replayRoot, key, drawSeed(seed, d), r.chunks[d]);
            if (d == 0) (op, chunk) = (o, c);
        }
    }

    function _checkChunk(bytes32 opTraceRoot, uint64 opCount, bytes32 replayRoot, bytes32 key, bytes32 seed, ChunkReveal calldata r)
        private
        view
        returns (uint64 op, uint64 chunk)
    {
        op = opOf(seed, opCount);
        bytes32 entry = MerkleSha256.leafHash(
            abi.encodePacked(WireCodes.TAG_OP_TRACE, op, r.recordHash, r.outputRoot, r.outputElems)
        );
        require(MerkleSha256.verify(opTraceRoot, opCount, op, entry, r.opProof), OpNotInTrace(op));
        if (r.outputElems == 0) return (op, 0); // an empty output has no chunk to hold: the entry is the whole of it
        chunk = chunkOf(seed, r.outputElems);
        uint64 chunks = (r.outputElems + CHUNK_ELEMS - 1) / CHUNK_ELEMS;
        bytes32 plain = MerkleSha256.leafHash(abi.encodePacked(WireCodes.TAG_TENSOR_CHUNK, r.chunk));
        require(MerkleSha256.verify(r.outputRoot, chunks, chunk, plain, r.chunkProof), ChunkNotInOutput(op, chunk));
        bytes32 keyed = MerkleSha256.leafHash(abi.encodePacked(WireCodes.TAG_KEYED_CHUNK, key, r.chunk));
        bytes32 keyedOp = MerkleSha256.leafHash(abi.encodePacked(WireCodes.TAG_KEYED_OP, op, r.keyedRoot));
        require(
            MerkleSha256.verify(r.keyedRoot, chunks, chunk, keyed, r.keyedChunkProof)
                && MerkleSha256.verify(replayRoot, opCount, op, keyedOp, r.keyedOpProof),
            NotInReplayRoot(op, chunk)
        );
    }
}
