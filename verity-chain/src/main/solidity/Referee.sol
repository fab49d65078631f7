// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IReferee: the last round of a dispute. The game has already proven, against the solver's
/// own commitments, the one basic operation (link) the challenger disputes and where it sits; the
/// referee recomputes it (binary32 soft-float, index or RNG computation) and says whether the
/// solver's link is correct. Called with STATICCALL (`view`), so a referee cannot touch state.
/// See docs/dispute-protocol.md for the meaning of every field.
interface IReferee {
    struct Claim {
        bytes32 graphLeafHash; // leaf hash of the graph op record (proven against the task's graph root)
        bytes32 preState; // agreed state root before the disputed step
        bytes32 opTraceRoot; // the solver's op-trace root for that step
        uint64 step; // the disputed step
        uint64 opIndex; // op of the graph
        uint64 element; // disputed output element of that op
        uint64 linkIndex; // index of the disputed link in the element chain
        uint64 chainLength; // number of links in the chain
        uint8 opcode; // basic operation (see docs/dispute-protocol.md)
        uint32 x;
        uint32 y;
        uint32 z;
        uint32 result; // the solver's claimed result (binary32 bits)
    }

    /// @return linkCorrect true if `result` is what the operation gives on the proven operands.
    function rule(Claim calldata claim, bytes calldata operandProofs) external view returns (bool linkCorrect);
}

/// @title IStructureReferee: whether the disputed link (or result leaf) is the one the op prescribes there.
/// The game hands it what its state already proved (graph root, the disputed op's record hash, op-trace root, chain
/// root and length, element, link index) and the challenger's bundle of further proofs: the op's record, its inputs'
/// records (their shapes) and the data words the prescription reads. Called with STATICCALL (`view`). See
/// docs/referee.md, "Link structure".
interface IStructureReferee {
    struct Site {
        bytes32 graphRoot;
        uint64 graphOps;
        bytes32 graphLeafHash;
        bytes32 opTraceRoot;
        bytes32 chainRoot;
        uint64 links;
        uint64 element;
        uint64 t;
    }

    /// @return covered false for an op kind the structure contracts do not know (then nothing is ruled);
    /// matches true iff the leaf is the prescribed one; why names the first difference.
    function rule(Site calldata site, bytes calldata leaf, bytes calldata bundle)
        external
        view
        returns (bool covered, bool matches, string memory why);
}
