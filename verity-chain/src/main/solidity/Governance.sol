// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";

/// @title VerityTimelock: holds the protocol's parameters (it owns ProtocolParams) and runs passed proposals after a delay.
/// @notice Only its governor may schedule or cancel an operation; anyone may execute one once its delay has passed (so no
/// single account can block a passed proposal); it has no admin, so its roles and its delay change only through an
/// operation it runs itself, that is, through a passed proposal. The delay gives holders who disagree time to leave.
contract VerityTimelock is TimelockController {
    constructor(uint256 minDelay, address governor) TimelockController(minDelay, _one(governor), _one(address(0)), address(0)) {}

    function _one(address a) private pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = a;
    }
}

/// @title VerityGovernor: VRT holders propose, vote on and queue changes to the protocol's parameters.
/// @notice OpenZeppelin's Governor with its settings (voting delay and period in blocks, proposal threshold; each
/// changeable by proposal), simple counting (for, against, abstain; quorum counts for and abstain), votes from
/// VerityToken's delegations at the block the vote opens, a quorum that is a share of the supply at that block, and
/// execution through its own VerityTimelock.
/// @dev The governor creates its timelock, so the timelock's proposer is this contract from its first block: there is no
/// moment at which the deployer (or anyone) holds a timelock role to hand over or forget to renounce.
contract VerityGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    /// @notice A quorum outside [1, 100] percent of the supply: at 0 a single vote for would pass any proposal.
    error QuorumOutOfRange(uint256 givenPercent, uint256 min, uint256 max);

    constructor(IVotes token, uint48 votingDelay_, uint32 votingPeriod_, uint256 proposalThreshold_, uint256 quorumPercent, uint256 minDelay)
        Governor("VerityGovernor")
        GovernorSettings(votingDelay_, votingPeriod_, proposalThreshold_)
        GovernorVotes(token)
        GovernorVotesQuorumFraction(quorumPercent)
        GovernorTimelockControl(new VerityTimelock(minDelay, address(this)))
    {}

    /// @dev At deployment and whenever a proposal changes it (updateQuorumNumerator).
    function _updateQuorumNumerator(uint256 newQuorumNumerator) internal override {
        if (newQuorumNumerator < 1 || newQuorumNumerator > quorumDenominator()) {
            revert QuorumOutOfRange(newQuorumNumerator, 1, quorumDenominator());
        }
        super._updateQuorumNumerator(newQuorumNumerator);
    }

    // The overrides below only pick the extension that owns each function (Solidity requires naming it).

    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function quorum(uint256 timepoint) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        return super.quorum(timepoint);
    }

    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    function proposalNeedsQueuing(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    function _queueOperations(uint256 proposalId, address[] memory targets, uint256[] memory values, bytes[] memory calldatas, bytes32 descriptionHash)
        internal
        override(Governor, GovernorTimelockControl)
        returns (uint48)
    {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(uint256 proposalId, address[] memory targets, uint256[] memory values, bytes[] memory calldatas, bytes32 descriptionHash)
        internal
        override(Governor, GovernorTimelockControl)
    {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(address[] memory targets, uint256[] memory values, bytes[] memory calldatas, bytes32 descriptionHash)
        internal
        override(Governor, GovernorTimelockControl)
        returns (uint256)
    {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
