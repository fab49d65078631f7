// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Wired} from "./Common.sol";

/// @title ModelRegistry: the model zoo. A settled task's final model root maps to its provenance.
/// @notice Only the market registers (at settlement), so every entry is backed by a task that passed
/// its challenge window with a quorum of attestations. A model root belongs to the earliest-posted task
/// that produced it (the lowest task id), whatever order the tasks settle in: a squatter who copies an
/// honest task's spec into a task of its own, with shorter windows so that it settles first, posted
/// later and loses the entry when the honest task settles. A later task producing the same root is
/// recorded by an event only.
contract ModelRegistry is Wired {

    /// @notice Caller is not the market.
    error CallerIsNotTheMarket();
    /// @notice Unknown model.
    error UnknownModel();
    /// @notice Zero market.
    error ZeroMarket();
    struct Model {
        uint256 taskId;
        bytes32 specHash;
        bytes32 traceRoot;
        bytes32 parent;
        address solver;
        uint64 registeredAt;
    }

    address public market;
    mapping(bytes32 => Model) private models;
    uint256 public count;

    event ModelRegistered(
        bytes32 indexed modelRoot, uint256 indexed taskId, bytes32 specHash, bytes32 traceRoot, bytes32 parent, address solver
    );
    event ModelReproduced(bytes32 indexed modelRoot, uint256 indexed taskId, address solver);

    function wire(address market_) external onlyDuringWiring {
        require(market_ != address(0), ZeroMarket());
        market = market_;
        _finishWiring();
    }

    function register(bytes32 modelRoot, uint256 taskId, bytes32 specHash, bytes32 traceRoot, bytes32 parent, address solver)
        external
    {
        require(msg.sender == market, CallerIsNotTheMarket());
        Model storage m = models[modelRoot];
        if (m.solver != address(0) && m.taskId < taskId) {
            emit ModelReproduced(modelRoot, taskId, solver);
            return;
        }
        if (m.solver == address(0)) count += 1;
        else emit ModelReproduced(modelRoot, m.taskId, m.solver); // an earlier-posted task takes the entry over
        models[modelRoot] = Model(taskId, specHash, traceRoot, parent, solver, uint64(block.timestamp));
        emit ModelRegistered(modelRoot, taskId, specHash, traceRoot, parent, solver);
    }

    function exists(bytes32 modelRoot) external view returns (bool) {
        return models[modelRoot].solver != address(0);
    }

    function get(bytes32 modelRoot)
        external
        view
        returns (uint256 taskId, bytes32 specHash, bytes32 traceRoot, bytes32 parent, address solver, uint64 registeredAt)
    {
        Model storage m = models[modelRoot];
        require(m.solver != address(0), UnknownModel());
        return (m.taskId, m.specHash, m.traceRoot, m.parent, m.solver, m.registeredAt);
    }
}
