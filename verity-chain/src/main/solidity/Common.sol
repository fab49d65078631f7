// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @notice Deployer-owned one-time wiring. The owner can only connect contracts once (the addresses
/// of the market and the dispute game depend on each other); after `_finishWiring` it has no powers.
abstract contract Wired {

    /// @notice Already wired.
    error AlreadyWired();
    /// @notice Not deployer.
    error NotDeployer();
    /// @notice Not wired yet.
    error NotWiredYet();
    address public immutable deployer;
    bool public wired;

    event Wired_(address indexed by);

    constructor() {
        deployer = msg.sender;
    }

    modifier onlyDuringWiring() {
        require(msg.sender == deployer, NotDeployer());
        require(!wired, AlreadyWired());
        _;
    }

    modifier onlyWired() {
        require(wired, NotWiredYet());
        _;
    }

    function _finishWiring() internal {
        wired = true;
        emit Wired_(msg.sender);
    }
}

/// @notice SHA-256 Merkle trees exactly as docs/commitments.md defines them:
/// leaf = H(0x00 || leafBytes); inner = H(0x01 || left || right); root = H(0x02 || uint64(n) || top);
/// depth d = 0 if n <= 1 else ceil(log2 n). `sha256` is the EVM precompile at 0x02.
library MerkleSha256 {
    function leafHash(bytes memory leafBytes) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x00), leafBytes));
    }

    /// @notice H(0x00 || leafBytes) for calldata bytes, hashed in scratch memory past the free memory
    /// pointer (no allocation: repeated calls do not grow memory).
    function leafHashCd(bytes calldata leafBytes) internal view returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore8(p, 0)
            calldatacopy(add(p, 1), leafBytes.offset, leafBytes.length)
            if iszero(staticcall(gas(), 2, p, add(leafBytes.length, 1), 0, 32)) { revert(0, 0) }
            h := mload(0)
        }
    }

    function depth(uint64 n) internal pure returns (uint256 d) {
        if (n <= 1) return 0;
        uint256 m = uint256(n) - 1;
        while (m > 0) {
            d++;
            m >>= 1;
        }
    }

    /// @notice True iff `leaf` (a leaf hash) is leaf `index` of the `n`-leaf tree with `root`.
    /// One SHA-256 precompile call per level on 65 bytes of scratch memory (assembly: no allocation,
    /// siblings read straight from calldata), then H(0x02 || uint64(n) || top).
    function verify(bytes32 root, uint64 n, uint64 index, bytes32 leaf, bytes32[] calldata siblings)
        internal
        view
        returns (bool ok)
    {
        if (index >= n) return false;
        if (siblings.length != depth(n)) return false;
        return _rootOf(n, _climb(leaf, index, siblings)) == root;
    }

    /// @notice True iff `leafA` and `leafB` (leaf hashes) are the neighbouring leaves `index` and `index + 1` of the
    /// `n`-leaf tree with `root`, from one proof for both: the two paths meet at level `L` (the bit length of
    /// `index ^ (index + 1)`); `siblings` holds A's siblings below that level (L-1 hashes), then B's (L-1), then the
    /// shared path above it (depth - L). Two separate proofs would send and hash depth - L + 2 more.
    function verifyPair(bytes32 root, uint64 n, uint64 index, bytes32 leafA, bytes32 leafB, bytes32[] calldata siblings)
        internal
        view
        returns (bool ok)
    {
        if (uint256(index) + 1 >= n) return false;
        uint256 meet = 0;
        for (uint256 x = uint256(index) ^ (uint256(index) + 1); x > 0; x >>= 1) meet++;
        if (siblings.length != depth(n) + meet - 2) return false;
        uint256 below = meet - 1;
        bytes32 a = _climb(leafA, index, siblings[:below]);
        bytes32 b = _climb(leafB, uint256(index) + 1, siblings[below:2 * below]);
        // the paths meet: A's node is the left child, B's the right
        return _rootOf(n, _climb(_node(a, b), uint256(index) >> meet, siblings[2 * below:])) == root;
    }

    /// @notice The root of the tree over `leaves` (leaf hashes), computed on chain: lets a contract take a tree's leaves
    /// as calldata and know their root, so whoever posts a root has opened every leaf of it. Padding is never hashed
    /// leaf by leaf: past the last real node of a level, every node is the all-padding node of that level (ZERO, then
    /// H(0x01 || Z || Z) one level up), so a level of m real nodes costs ceil(m / 2) hashes plus one. Overwrites
    /// `leaves` with the levels above it.
    function rootOf(bytes32[] memory leaves) internal view returns (bytes32) {
        uint256 n = leaves.length;
        if (n == 0) return _rootOf(0, bytes32(0));
        bytes32 padding = bytes32(0);
        for (uint256 m = n; m > 1; m = (m + 1) / 2) {
            for (uint256 i = 0; 2 * i < m; ++i) {
                leaves[i] = _node(leaves[2 * i], 2 * i + 1 < m ? leaves[2 * i + 1] : padding);
            }
            padding = _node(padding, padding);
        }
        return _rootOf(uint64(n), leaves[0]);
    }

    /// @notice True iff `leaves` (leaf hashes) are the leaves of page `page` of the `n`-leaf tree with `root`: the aligned
    /// subtree of height `height` holding leaves [page · 2^height, (page + 1) · 2^height), its missing leaves padding, with
    /// `siblings` the path from the subtree's top up (depth(n) − height hashes). Opens a tree too long for one transaction
    /// a page at a time. Overwrites `leaves`.
    function verifyPage(bytes32 root, uint64 n, uint256 height, uint64 page, bytes32[] memory leaves, bytes32[] calldata siblings)
        internal
        view
        returns (bool)
    {
        uint256 d = depth(n);
        uint256 first = uint256(page) << height;
        if (d < height || siblings.length != d - height || first >= n) return false;
        uint256 m = n - first < (1 << height) ? n - first : 1 << height;
        if (leaves.length != m) return false;
        bytes32 padding = bytes32(0);
        for (uint256 l = 0; l < height; ++l) {
            for (uint256 i = 0; 2 * i < m; ++i) {
                leaves[i] = _node(leaves[2 * i], 2 * i + 1 < m ? leaves[2 * i + 1] : padding);
            }
            m = (m + 1) / 2;
            padding = _node(padding, padding);
        }
        return _rootOf(n, _climb(leaves[0], page, siblings)) == root;
    }

    /// @dev The node `siblings.length` levels above node `h` at position `idx` of its level: H(0x01 || left || right) per
    /// level, in scratch memory past the free memory pointer.
    function _climb(bytes32 h, uint256 idx, bytes32[] calldata siblings) private view returns (bytes32 top) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            let end := add(siblings.offset, shl(5, siblings.length))
            for { let o := siblings.offset } lt(o, end) { o := add(o, 32) } {
                mstore8(p, 1)
                switch and(idx, 1)
                case 0 {
                    mstore(add(p, 1), h)
                    mstore(add(p, 33), calldataload(o))
                }
                default {
                    mstore(add(p, 1), calldataload(o))
                    mstore(add(p, 33), h)
                }
                if iszero(staticcall(gas(), 2, p, 65, 0, 32)) { revert(0, 0) }
                h := mload(0)
                idx := shr(1, idx)
            }
            top := h
        }
    }

    /// @dev An inner node: H(0x01 || left || right).
    function _node(bytes32 left, bytes32 right) private view returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore8(p, 1)
            mstore(add(p, 1), left)
            mstore(add(p, 33), right)
            if iszero(staticcall(gas(), 2, p, 65, 0, 32)) { revert(0, 0) }
            h := mload(0)
        }
    }

    /// @dev The tree root: H(0x02 || uint64(n) || top).
    function _rootOf(uint64 n, bytes32 top) private view returns (bytes32 r) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore8(p, 2)
            mstore(add(p, 1), shl(192, n))
            mstore(add(p, 9), top)
            if iszero(staticcall(gas(), 2, p, 41, 0, 32)) { revert(0, 0) }
            r := mload(0)
        }
    }
}

/// @notice Offsets into a `0x40` graph op record (docs/commitments.md): `0x40 | uint32 id | uint16 opCode | uint8 role |
/// uint32 nInputs | uint32 input... | uint32 rank | uint32 dim... | uint32 attrLen | attrs | uint16 nameLen | name |
/// uint16 nUpdates | (uint16 len | name)... | per input (uint32 rank | uint32 dim...)`. One walk for the game and the
/// structure referee, so the two cannot read the layout differently.
library GraphRecord {
    function nInputs(bytes calldata r) internal pure returns (uint256) {
        return uint32(bytes4(r[8:12]));
    }

    /// @dev At `attrLen`.
    function attrsAt(bytes calldata r) internal pure returns (uint256 o) {
        o = 12 + 4 * nInputs(r);
        o += 4 + 4 * uint256(uint32(bytes4(r[o:o + 4])));
    }

    /// @dev At `nameLen`.
    function nameAt(bytes calldata r) internal pure returns (uint256 o) {
        o = attrsAt(r);
        o += 4 + uint256(uint32(bytes4(r[o:o + 4])));
    }

    /// @dev At `nUpdates` (the update trailer).
    function updatesAt(bytes calldata r) internal pure returns (uint256 o) {
        o = nameAt(r);
        o += 2 + uint256(uint16(bytes2(r[o:o + 2])));
    }

    /// @dev At the input-shape trailer (past the update trailer).
    function inputShapesAt(bytes calldata r) internal pure returns (uint256 o) {
        o = updatesAt(r);
        uint256 n = uint16(bytes2(r[o:o + 2]));
        o += 2;
        for (uint256 i = 0; i < n; ++i) o += 2 + uint256(uint16(bytes2(r[o:o + 2])));
    }
}
