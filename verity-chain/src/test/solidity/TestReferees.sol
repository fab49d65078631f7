// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IReferee} from "./Referee.sol";

// Test fixtures: referees that rule the same way whatever the link. They live in src/test so that no deployment made by
// production code can use one (a deployment with the defender-always-wins referee pays every cheat).

/// @notice Test referee: the solver's link is always right (the defender wins every final round).
contract AlwaysDefenderReferee is IReferee {
    function rule(Claim calldata, bytes calldata) external pure returns (bool) {
        return true;
    }
}

/// @notice Test referee: the solver's link is always wrong (the challenger wins every final round).
contract AlwaysChallengerReferee is IReferee {
    function rule(Claim calldata, bytes calldata) external pure returns (bool) {
        return false;
    }
}
