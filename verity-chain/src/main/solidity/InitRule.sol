// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {WireCodes} from "./WireCodes.sol";
import {MerkleSha256, GraphRecord} from "./Common.sol";
import {Binary32} from "./Binary32.sol";
import {Philox} from "./Philox.sol";

/// @title InitRule: is a task's checkpoint 0 (its posted init root) the state its graph prescribes?
/// @notice Each STATE node of the step graph carries its tensor's init rule in its attributes (verity-tensor's
/// `nn.Init.stateAttrs`): `init` (0 zeros, 1 ones, 2 uniform), `bound` and `seed` for a uniform init, `param` (1 for
/// a model parameter). A uniform value is `fma(uniform(w), 2 * bound, -bound)` with `w` the Philox word
/// (seed; "INIT", SHA-256(name)[0:4], e / 4, 0)[e % 4], exactly `Init.fill`. A fine-tune's parameters start as the
/// parent model's: their record in the init root must be the parent's record. One claim proves one tensor's record
/// against the init root and either one element of it (from the seed) or the parent's record of the same name.
library InitRule {
    /// @notice A leaf proven against a Merkle root of `n` leaves (docs/commitments.md).
    struct ProvenLeaf {
        bytes data;
        uint64 n;
        uint64 index;
        bytes32[] proof;
    }

    /// @notice `node`: the STATE node's 0x40 graph record (n is the task's graphOps). `record`: the 0x20 record of the
    /// same name in the init root. `value`: for a fine-tune's parameter, the parent model's 0x20 record of that name;
    /// otherwise the 256-float chunk (no tag byte) holding element `index * 256 + offset` of the record's tensor.
    struct Claim {
        ProvenLeaf node;
        ProvenLeaf record;
        ProvenLeaf value;
        uint32 offset;
    }

    uint16 internal constant OP_STATE = WireCodes.OP_KIND_STATE;
    uint8 internal constant TAG_GRAPH_OP = WireCodes.TAG_GRAPH_OP;
    uint8 internal constant TAG_STATE_TENSOR = WireCodes.TAG_STATE_TENSOR;
    uint256 internal constant CHUNK_ELEMS = 256;
    uint32 internal constant INIT_PURPOSE = 0x494e4954; // "INIT", Init.PURPOSE
    uint32 internal constant ONE = 0x3f800000;
    uint32 internal constant TWO = 0x40000000;

    /// @notice The graph record is not a STATE node's, or does not prove against the graph root.
    error NotAStateNodeOfTheGraph(uint64 index);
    /// @notice The STATE node has no `init` attribute, or one with an unknown code.
    error NoInitRule(uint64 index);
    /// @notice The record is not the 0x20 record of the node's tensor, or does not prove against the init root.
    error NotTheInitRecordOfThisTensor(uint64 index);
    /// @notice The parent's record is not of the same name, or does not prove against the parent model root.
    error NotTheParentRecordOfThisTensor(uint64 index);
    /// @notice The chunk does not prove against the record's tensor root, or the element is outside the tensor.
    error BadProofOfInitElement(uint64 chunkIndex, uint32 offset);

    /// @notice True if the init root's tensor is not what its STATE node prescribes (another shape, another value at
    /// the claimed element, or another record than the parent's); reverts if the claim's proofs do not hold.
    function violated(Claim calldata c, bytes32 graphRoot, uint64 graphOps, bytes32 initRoot, bytes32 parentModel)
        internal
        view
        returns (bool)
    {
        bytes calldata r = c.node.data;
        require(
            r.length > 16 && uint8(r[0]) == TAG_GRAPH_OP && uint16(bytes2(r[5:7])) == OP_STATE && GraphRecord.nInputs(r) == 0
                && MerkleSha256.verify(graphRoot, graphOps, c.node.index, MerkleSha256.leafHashCd(r), c.node.proof),
            NotAStateNodeOfTheGraph(c.node.index)
        );
        bytes calldata name = _nodeName(r);
        bytes calldata s = c.record.data;
        require(
            _isRecordOf(s, name) && MerkleSha256.verify(initRoot, c.record.n, c.record.index, MerkleSha256.leafHashCd(s), c.record.proof),
            NotTheInitRecordOfThisTensor(c.record.index)
        );
        (bool sameShape, uint256 elems) = _sameShape(r, s, name.length);
        if (!sameShape) return true;
        (bool has, uint256 kind) = _attrLong(r, "init");
        require(has && kind <= WireCodes.INIT_UNIFORM, NoInitRule(c.node.index));
        (, uint256 param) = _attrLong(r, "param");
        if (parentModel != 0 && param == 1) return _differsFromParent(c, s, name, parentModel);
        (bool canonical, uint32 got) = _element(c, bytes32(s[s.length - 32:]), elems);
        // a tensor root over another chunk count, or a chunk of another length, is not the tensor of any init
        if (!canonical) return true;
        return got != _initValue(r, kind, name, c.value.index * CHUNK_ELEMS + c.offset);
    }

    function _differsFromParent(Claim calldata c, bytes calldata s, bytes calldata name, bytes32 parentModel) private view returns (bool) {
        bytes calldata p = c.value.data;
        require(
            _isRecordOf(p, name) && MerkleSha256.verify(parentModel, c.value.n, c.value.index, MerkleSha256.leafHashCd(p), c.value.proof),
            NotTheParentRecordOfThisTensor(c.value.index)
        );
        return keccak256(p) != keccak256(s);
    }

    /// @dev The value `Init.fill` gives element `e` of tensor `name` under the node's rule.
    function _initValue(bytes calldata r, uint256 kind, bytes calldata name, uint256 e) private pure returns (uint32) {
        if (kind == WireCodes.INIT_ZEROS) return 0;
        if (kind == WireCodes.INIT_ONES) return ONE;
        (bool hasBound, uint256 bound) = _attr(r, "bound", 2);
        (bool hasSeed, uint256 seed) = _attr(r, "seed", 1);
        require(hasBound && hasSeed, NoInitRule(0));
        uint32 nameId = uint32(bytes4(sha256(name)));
        (, uint32 w) = Philox.word(uint32(seed), uint32(seed >> 32), INIT_PURPOSE, nameId, uint32(e / 4), 0, uint32(e % 4));
        uint32 b = uint32(bound);
        return Binary32.fma(Binary32.uniform(w), Binary32.mul(TWO, b), Binary32.neg(b));
    }

    /// @dev Element `value.index * 256 + offset` of the tensor with root `root` and `elems` elements, from its chunk,
    /// proven against the root with the leaf count the claim gives; `canonical` is false if that count or the chunk's
    /// length is not what `elems` elements make (the root is then not any init's).
    function _element(Claim calldata c, bytes32 root, uint256 elems) private view returns (bool canonical, uint32 value) {
        bytes calldata chunk = c.value.data;
        require(
            c.value.index < c.value.n && MerkleSha256.verify(root, c.value.n, c.value.index,
                MerkleSha256.leafHash(abi.encodePacked(bytes1(WireCodes.TAG_TENSOR_CHUNK), chunk)), c.value.proof),
            BadProofOfInitElement(c.value.index, c.offset)
        );
        uint256 chunks = (elems + CHUNK_ELEMS - 1) / CHUNK_ELEMS;
        uint256 ci = c.value.index;
        if (c.value.n != chunks) return (false, 0);
        uint256 len = ci + 1 < chunks ? CHUNK_ELEMS : elems - ci * CHUNK_ELEMS;
        if (chunk.length != 4 * len) return (false, 0);
        require(c.offset < len, BadProofOfInitElement(c.value.index, c.offset));
        uint256 o = 4 * uint256(c.offset);
        // float32 little-endian in the chunk -> uint32 bit pattern
        value = uint32(uint8(chunk[o])) | (uint32(uint8(chunk[o + 1])) << 8) | (uint32(uint8(chunk[o + 2])) << 16)
            | (uint32(uint8(chunk[o + 3])) << 24);
        return (true, value);
    }

    /// @dev The node's name (`uint16 nameLen | name` after the attributes).
    function _nodeName(bytes calldata r) private pure returns (bytes calldata) {
        uint256 o = GraphRecord.nameAt(r);
        return r[o + 2:o + 2 + uint16(bytes2(r[o:o + 2]))];
    }

    /// @dev `0x20 | uint16 nameLen | name | uint8 rank | uint32 dim... | tensorRoot(32)` with this name.
    function _isRecordOf(bytes calldata s, bytes calldata name) private pure returns (bool) {
        if (s.length < 3 + name.length + 1 + 32 || uint8(s[0]) != TAG_STATE_TENSOR || uint16(bytes2(s[1:3])) != name.length) return false;
        if (keccak256(s[3:3 + name.length]) != keccak256(name)) return false;
        return s.length == 3 + name.length + 1 + 4 * uint256(uint8(s[3 + name.length])) + 32;
    }

    /// @dev Whether the record's shape is the node's (a STATE node has no inputs: its rank sits at offset 12), and then the
    /// element count (not computed for another shape, whose dimensions could overflow it).
    function _sameShape(bytes calldata r, bytes calldata s, uint256 nameLen) private pure returns (bool same, uint256 elems) {
        uint256 rank = uint32(bytes4(r[12:16]));
        uint256 o = 3 + nameLen;
        if (uint8(s[o]) != rank || r.length < 16 + 4 * rank) return (false, 0);
        elems = 1;
        for (uint256 i = 0; i < rank; ++i) {
            uint256 dim = uint32(bytes4(s[o + 1 + 4 * i:o + 5 + 4 * i]));
            if (dim != uint32(bytes4(r[16 + 4 * i:20 + 4 * i]))) return (false, 0);
            elems *= dim;
        }
        return (true, elems);
    }

    function _attrLong(bytes calldata r, bytes memory key) private pure returns (bool, uint256) {
        return _attr(r, key, 1);
    }

    /// @dev The value of attribute `key` of type `ty` (1 int64, 2 float32 bits); attributes are
    /// `uint32 count` then `uint16 len | name | type | value` each (docs/commitments.md).
    function _attr(bytes calldata r, bytes memory key, uint8 ty) private pure returns (bool, uint256) {
        uint256 o = GraphRecord.attrsAt(r) + 4;
        uint256 count = uint32(bytes4(r[o:o + 4]));
        o += 4;
        bytes32 want = keccak256(key);
        for (uint256 i = 0; i < count; ++i) {
            uint256 len = uint16(bytes2(r[o:o + 2]));
            bool hit = keccak256(r[o + 2:o + 2 + len]) == want;
            o += 2 + len;
            uint8 t = uint8(r[o]);
            if (hit && t == ty) return (true, ty == 1 ? uint64(bytes8(r[o + 1:o + 9])) : uint32(bytes4(r[o + 1:o + 5])));
            if (t == 1) o += 9;
            else if (t == 2) o += 5;
            else if (t == 3) o += 5 + 4 * uint256(uint32(bytes4(r[o + 1:o + 5])));
            else o += 5 + uint256(uint32(bytes4(r[o + 1:o + 5])));
        }
        return (false, 0);
    }
}

/// @title InitReferee: InitRule behind its own address, so the market's code stays small (the rule carries Philox
/// and the binary32 fma). Stateless; the market holds its address as an immutable and `Verity.attach` checks its code.
contract InitReferee {
    /// @notice InitRule.violated: true if the init root's tensor is not what its STATE node prescribes.
    function violated(InitRule.Claim calldata c, bytes32 graphRoot, uint64 graphOps, bytes32 initRoot, bytes32 parentModel)
        external
        view
        returns (bool)
    {
        return InitRule.violated(c, graphRoot, graphOps, initRoot, parentModel);
    }
}
