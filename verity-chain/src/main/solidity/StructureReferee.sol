// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {WireCodes} from "./WireCodes.sol";
import {IStructureReferee} from "./Referee.sol";
import {LinkStructure} from "./LinkStructure.sol";
import {MerkleSha256, GraphRecord} from "./Common.sol";

/// @title StructureReferee: round 5's structure check (docs/referee.md, "Link structure").
/// @notice LinkStructure says which link an op prescribes at a position of an element's chain, given the op's record,
/// its inputs' shapes and the data words the prescription reads. This contract proves all of that against what the
/// dispute already fixed, so nothing reaches LinkStructure unproven:
/// - the op's `0x40` record must hash to the graph leaf round 3 proved;
/// - each input's `0x40` record is proven against the task's graph root at the input id the op's record lists; its
///   shape (`uint32 rank ‖ uint32 dim…`) becomes the input's dims;
/// - a data word that is an input element (a label, a token id, the step) is read from a 256-float chunk of that
///   input's output, proven against the input's op-trace entry, itself proven against the op-trace root (the inputs
///   of the disputed op are what the challenger agreed with in round 3);
/// - a data word that is a link's result (the shuffled sample) is read from that link's `0x70` leaf, proven against
///   the chain root.
/// A proof that does not verify reverts (the challenger may resend before the deadline). The words' bits are read
/// from the proven sources, never taken from the challenger.
contract StructureReferee is IStructureReferee {
    using MerkleSha256 for bytes32;

    LinkStructure public immutable structure;

    uint256 internal constant CHUNK_ELEMS = 256;

    /// @notice Where data words come from. kind 0: chunk of input `number` (op-trace entry of that input, the chunk
    /// and its proof); one word per entry of `indices` (element indices of the input inside that chunk). kind 1: the
    /// `0x70` leaf of link `number` with its proof against the chain root; one word, the link's result. kind 2: link
    /// `number` is past the chain's end (`number >= links`, result leaf only): the word says the link is absent.
    struct Source {
        uint8 kind;
        uint32 number;
        uint64 opIndex;
        bytes32 graphLeafHash;
        bytes32 outputRoot;
        uint64 outputElems;
        bytes32[] entryProof;
        bytes chunk;
        bytes32[] chunkProof;
        uint32[] indices;
        bytes link;
        bytes32[] linkProof;
    }

    /// @notice The challenger's bundle (`abi.encode(Bundle)`): the disputed op's record (whose input-shape trailer
    /// gives its inputs' shapes, docs/commitments.md) and the sources of the data words.
    struct Bundle {
        bytes record;
        Source[] sources;
    }

    constructor(LinkStructure structure_) {
        require(address(structure_) != address(0), "Structure: zero LinkStructure");
        structure = structure_;
    }

    function rule(Site calldata site, bytes calldata leaf, bytes calldata bundle)
        external
        view
        returns (bool covered, bool matches, string memory why)
    {
        // read the bundle in place: abi.encode(Bundle) is a head word (the struct's offset) and the self-contained
        // struct encoding, so a calldata pointer to it gives lazy, bounds-checked access without copying it to memory
        // (whatever it points at, every word read from it is proven against the game's roots below)
        require(bundle.length >= 32, "Structure: empty bundle");
        Bundle calldata b;
        assembly ("memory-safe") {
            b := add(bundle.offset, calldataload(bundle.offset))
        }
        require(MerkleSha256.leafHashCd(b.record) == site.graphLeafHash, "Structure: not the disputed op's record");
        bytes calldata dims = _inputDims(b.record);
        uint256[] memory words = _words(site, b);
        if (site.t < site.links) {
            return structure.checkLink(b.record, dims, site.element, site.t, leaf, words);
        }
        return structure.checkResult(b.record, dims, site.element, site.links, leaf, words);
    }

    /// Per input `uint32 rank ‖ uint32 dim…`: the record's input-shape trailer, after its attributes, name and update
    /// trailer (docs/commitments.md). The record is the one proven at the op (its hash is the game's graph leaf), so
    /// the shapes are the graph's: no input record or proof is needed.
    function _inputDims(bytes calldata rec) internal pure returns (bytes calldata dims) {
        uint256 nIn = GraphRecord.nInputs(rec);
        uint256 start = GraphRecord.inputShapesAt(rec);
        uint256 o = start;
        for (uint256 i = 0; i < nIn; ++i) o += 4 + 4 * _u32(rec, o);
        require(o == rec.length, "Structure: the record's input shapes do not match its inputs");
        dims = rec[start:];
    }

    /// The data words (`kind << 96 | number << 64 | index << 32 | bits`), each read from its proven source.
    function _words(Site calldata site, Bundle calldata b) internal view returns (uint256[] memory words) {
        uint256 n = 0;
        for (uint256 k = 0; k < b.sources.length; ++k) n += b.sources[k].kind == 0 ? b.sources[k].indices.length : 1;
        words = new uint256[](n);
        uint256 w = 0;
        uint256 nIn = _u32(b.record, 8);
        for (uint256 k = 0; k < b.sources.length; ++k) {
            Source calldata src = b.sources[k];
            if (src.kind == 0) {
                require(src.number < nIn, "Structure: no such input");
                require(src.opIndex == _u32(b.record, 12 + 4 * uint256(src.number)), "Structure: not that input's op-trace entry");
                bytes32 entry = sha256(
                    abi.encodePacked(bytes1(0x00), bytes1(WireCodes.TAG_OP_TRACE), src.opIndex, src.graphLeafHash, src.outputRoot, src.outputElems)
                );
                require(site.opTraceRoot.verify(site.graphOps, src.opIndex, entry, src.entryProof), "Structure: bad proof of op-trace entry");
                require(src.indices.length > 0, "Structure: a chunk source without indices");
                uint64 chunkIndex = uint64(src.indices[0] / CHUNK_ELEMS);
                uint64 chunks = uint64((uint256(src.outputElems) + CHUNK_ELEMS - 1) / CHUNK_ELEMS);
                require(chunkIndex < chunks, "Structure: an index outside the input");
                uint256 expectedLen = chunkIndex + 1 < chunks ? CHUNK_ELEMS : uint256(src.outputElems) - chunkIndex * CHUNK_ELEMS;
                bytes calldata chunk = src.chunk;
                require(chunk.length == 4 * expectedLen, "Structure: wrong chunk length");
                bytes32 chunkLeaf = sha256(abi.encodePacked(bytes1(0x00), bytes1(WireCodes.TAG_TENSOR_CHUNK), chunk));
                require(src.outputRoot.verify(chunks, chunkIndex, chunkLeaf, src.chunkProof), "Structure: bad proof of chunk");
                for (uint256 j = 0; j < src.indices.length; ++j) {
                    uint256 idx = src.indices[j];
                    require(idx / CHUNK_ELEMS == chunkIndex, "Structure: an index outside the chunk");
                    uint256 o = 4 * (idx % CHUNK_ELEMS);
                    // float32 little-endian in the chunk -> bit pattern
                    uint256 bits = uint256(uint8(chunk[o])) | (uint256(uint8(chunk[o + 1])) << 8) | (uint256(uint8(chunk[o + 2])) << 16)
                        | (uint256(uint8(chunk[o + 3])) << 24);
                    words[w++] = (uint256(WireCodes.OPERAND_INPUT) << 96) | (uint256(src.number) << 64) | (idx << 32) | bits;
                }
            } else if (src.kind == 2) {
                // link `number` is not in the chain: the chain has `links` links. Only for the result leaf and length,
                // where a chain shorter than a link its prescription reads is wrong whatever that link would hold
                require(site.t == site.links && src.number >= site.links, "Structure: an absent link only past the chain, at its result");
                words[w++] = (uint256(WireCodes.OPERAND_LINK) << 96) | (uint256(src.number) << 64) | (uint256(1) << 32);
            } else {
                require(src.kind == 1, "Structure: unknown source kind");
                bytes calldata l = src.link;
                require(l.length >= 11 && uint8(l[0]) == WireCodes.TAG_LINK && _u32(l, 1) == src.number, "Structure: not that link");
                require(site.chainRoot.verify(site.links + 1, src.number, MerkleSha256.leafHashCd(l), src.linkProof), "Structure: bad proof of a link");
                words[w++] = (uint256(WireCodes.OPERAND_LINK) << 96) | (uint256(src.number) << 64) | _u32(l, l.length - 4);
            }
        }
    }

    function _u32(bytes calldata b, uint256 o) internal pure returns (uint256) {
        require(b.length >= o + 4, "Structure: record too short");
        return uint32(bytes4(b[o:o + 4]));
    }
}
