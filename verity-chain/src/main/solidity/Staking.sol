// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Wired} from "./Common.sol";

/// @notice What Staking reads from the market: the stake one verifier seat locks.
interface ISeatStake {
    function minVerifierStake() external view returns (uint256);
}

/// @title Staking: solvers and verifiers bond tokens here, and verifiers join the pool seats are drawn from.
/// @notice Stake can be locked by the market (a solver's stake while it holds a task) and slashed
/// only by the market (missed commit deadline) or the dispute game (lost dispute). Unbonding takes
/// `unbondingDelay` seconds, so a solver cannot withdraw between a misdeed and its punishment;
/// locked stake cannot be unbonded at all.
/// Challenge bonds are held here too (the game sends them at open; `totalBonds` is the game's books),
/// and the treasury's half of a dispute slash accrues here until anyone calls `collectTreasury`. Why
/// here: while a dispute is open this contract holds the defender's locked stake, so its token balance
/// and `totalStaked` are never zero, and neither the bond nor the slash has to pay for a fresh storage
/// slot (20k gas each) as a game or a treasury with an empty balance would (docs/dispute-protocol.md, Gas).
contract Staking is ReentrancyGuard, Wired {
    using SafeERC20 for IERC20;

    /// @notice Already a verifier.
    error AlreadyAVerifier();
    /// @notice Not a verifier.
    error NotAVerifier();
    /// @notice Free stake below the market's seat stake (minVerifierStake).
    error VerifierStakeTooLow(uint256 free, uint256 seat);
    /// @notice Amount exceeds unlocked stake.
    error AmountExceedsUnlockedStake();
    /// @notice Amount too large.
    error AmountTooLarge();
    /// @notice Caller is not the dispute game.
    error CallerIsNotTheDisputeGame();
    /// @notice Caller is not the market.
    error CallerIsNotTheMarket();
    /// @notice Caller may not slash.
    error CallerMayNotSlash();
    /// @notice Insufficient unlocked stake.
    error InsufficientUnlockedStake();
    /// @notice Nothing accrued.
    error NothingAccrued();
    /// @notice Nothing unbonding.
    error NothingUnbonding();
    /// @notice Slash exceeds locked stake.
    error SlashExceedsLockedStake();
    /// @notice Slash to zero address.
    error SlashToZeroAddress();
    /// @notice Still unbonding.
    error StillUnbonding();
    /// @notice Unlock exceeds locked.
    error UnlockExceedsLocked();
    /// @notice Zero address.
    error ZeroAddress();
    /// @notice Zero amount.
    error ZeroAmount();
    /// @notice Zero token.
    error ZeroToken();
    /// @notice Zero treasury.
    error ZeroTreasury();
    IERC20 public immutable token;
    uint64 public immutable unbondingDelay;
    /// @notice Receives the accrued half of dispute slashes (`collectTreasury`).
    address public immutable treasury;
    address public market;
    address public disputeGame;

    mapping(address => uint256) public staked; // active stake, includes locked
    mapping(address => uint256) public locked; // part of `staked` that backs an open task
    mapping(address => uint256) public unbondingAmount;
    mapping(address => uint64) public unbondingReleaseAt;
    uint128 public totalStaked;
    /// @notice The treasury's half of dispute slashes, not yet collected (packed with totalStaked: a slash writes one slot).
    uint128 public treasuryAccrued;
    uint256 public totalUnbonding;

    /// @notice The verifier pool the market draws seats from.
    address[] public verifierPool;
    mapping(address => uint256) private poolIndexPlusOne;
    /// @notice A pooled verifier's draw weight: its free stake when it registered or last refreshed. Seats are drawn in
    /// proportion to it, so splitting one stake over many accounts draws no more seats than keeping it in one.
    mapping(address => uint256) public drawWeight;
    /// @dev Fenwick tree over the pool's draw weights (node i, 1-based, is drawTree[i - 1]): a weighted draw and a weight
    /// change cost O(log n) reads and writes, however large the pool.
    uint256[] private drawTree;

    event Staked(address indexed who, uint256 amount, uint256 newStake);
    event UnbondRequested(address indexed who, uint256 amount, uint64 releaseAt);
    event Withdrawn(address indexed who, uint256 amount);
    event Locked(address indexed who, uint256 amount, uint256 totalLocked);
    event Unlocked(address indexed who, uint256 amount, uint256 totalLocked);
    event Slashed(address indexed who, uint256 amount, address indexed to, address indexed by);
    /// @notice A dispute's ruling paid out: `slashed` of the defender's locked stake (half to the challenger,
    /// half accrued to the treasury) when the challenger won, else the bond to the defender.
    event DisputePaid(address indexed defender, address indexed challenger, bool challengerWon, uint256 slashed, uint256 bond);
    event TreasuryCollected(address indexed treasury, uint256 amount);
    event VerifierRegistered(address indexed verifier);
    event VerifierDeregistered(address indexed verifier);
    /// @notice A pooled verifier's draw weight is now `weight` (registered or refreshed).
    event VerifierWeight(address indexed verifier, uint256 weight);

    constructor(IERC20 token_, uint64 unbondingDelay_, address treasury_) {
        require(address(token_) != address(0), ZeroToken());
        require(treasury_ != address(0), ZeroTreasury());
        token = token_;
        unbondingDelay = unbondingDelay_;
        treasury = treasury_;
    }

    function wire(address market_, address disputeGame_) external onlyDuringWiring {
        require(market_ != address(0) && disputeGame_ != address(0), ZeroAddress());
        market = market_;
        disputeGame = disputeGame_;
        _finishWiring();
    }

    modifier onlyMarket() {
        require(msg.sender == market, CallerIsNotTheMarket());
        _;
    }

    modifier onlyGame() {
        require(msg.sender == disputeGame, CallerIsNotTheDisputeGame());
        _;
    }

    modifier onlySlasher() {
        require(msg.sender == market || msg.sender == disputeGame, CallerMayNotSlash());
        _;
    }

    function available(address who) public view returns (uint256) {
        return staked[who] - locked[who];
    }

    function stake(uint256 amount) external nonReentrant onlyWired {
        require(amount > 0, ZeroAmount());
        staked[msg.sender] += amount;
        totalStaked += _u128(amount);
        _syncWeight(msg.sender);
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit Staked(msg.sender, amount, staked[msg.sender]);
    }

    /// @notice Moves `amount` of unlocked stake to unbonding; a new request adds to the pending
    /// amount and restarts the delay (so the delay always covers the most recent stake leaving).
    function requestUnbond(uint256 amount) external nonReentrant {
        require(amount > 0, ZeroAmount());
        require(available(msg.sender) >= amount, AmountExceedsUnlockedStake());
        staked[msg.sender] -= amount;
        totalStaked -= _u128(amount);
        _syncWeight(msg.sender);
        unbondingAmount[msg.sender] += amount;
        totalUnbonding += amount;
        uint64 releaseAt = uint64(block.timestamp) + unbondingDelay;
        unbondingReleaseAt[msg.sender] = releaseAt;
        emit UnbondRequested(msg.sender, amount, releaseAt);
    }

    function withdraw() external nonReentrant {
        uint256 amount = unbondingAmount[msg.sender];
        require(amount > 0, NothingUnbonding());
        require(block.timestamp >= unbondingReleaseAt[msg.sender], StillUnbonding());
        unbondingAmount[msg.sender] = 0;
        totalUnbonding -= amount;
        token.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    function lock(address who, uint256 amount) external onlyMarket {
        require(available(who) >= amount, InsufficientUnlockedStake());
        locked[who] += amount;
        emit Locked(who, amount, locked[who]);
    }

    function unlock(address who, uint256 amount) external onlyMarket {
        require(locked[who] >= amount, UnlockExceedsLocked());
        locked[who] -= amount;
        emit Unlocked(who, amount, locked[who]);
    }

    /// @notice Takes `amount` of `who`'s locked stake and sends it to `to`. Only locked stake can be
    /// slashed: it is exactly the stake a task put at risk.
    function slash(address who, uint256 amount, address to) external nonReentrant onlySlasher {
        require(to != address(0), SlashToZeroAddress());
        require(locked[who] >= amount, SlashExceedsLockedStake());
        locked[who] -= amount;
        staked[who] -= amount;
        totalStaked -= _u128(amount);
        _syncWeight(who);
        token.safeTransfer(to, amount);
        emit Slashed(who, amount, to, msg.sender);
    }

    /// @notice The dispute game's ruling, paid from here (the game sent the challenger's `bond` here at open).
    /// Challenger won: `slashed` of the defender's locked stake is taken, half (rounded down) goes to the
    /// challenger with its bond in one transfer, the rest accrues to the treasury. Challenger lost: the bond
    /// goes to the defender. Only the game calls this, from its own guarded `_resolve`, and the only
    /// external call (the token) comes after every write, so no reentrancy guard is needed.
    function payDispute(address defender, address challenger, uint256 slashed, uint256 bond, bool challengerWon) external onlyGame {
        if (challengerWon) {
            require(locked[defender] >= slashed, SlashExceedsLockedStake());
            locked[defender] -= slashed;
            staked[defender] -= slashed;
            _syncWeight(defender);
            uint256 toChallenger = slashed / 2;
            totalStaked -= _u128(slashed);
            treasuryAccrued += _u128(slashed - toChallenger);
            emit DisputePaid(defender, challenger, true, slashed, bond);
            token.safeTransfer(challenger, bond + toChallenger);
        } else {
            emit DisputePaid(defender, challenger, false, 0, bond);
            token.safeTransfer(defender, bond);
        }
    }

    /// @notice Sends the accrued treasury share of dispute slashes to the treasury (anyone may call).
    function collectTreasury() external nonReentrant {
        uint256 amount = treasuryAccrued;
        require(amount > 0, NothingAccrued());
        treasuryAccrued = 0;
        token.safeTransfer(treasury, amount);
        emit TreasuryCollected(treasury, amount);
    }

    /// @notice Joins the verifier pool. A pooled verifier's draw weight is its stake, kept equal to it whenever the stake
    /// changes (stake, unbond, slash), so a weight can never stand for stake that left; at least `minVerifierStake`, the
    /// stake one seat locks, or the verifier leaves the pool.
    function registerVerifier() external nonReentrant onlyWired {
        require(poolIndexPlusOne[msg.sender] == 0, AlreadyAVerifier());
        uint256 w = staked[msg.sender];
        _checkSeat(w);
        verifierPool.push(msg.sender);
        poolIndexPlusOne[msg.sender] = verifierPool.length;
        drawWeight[msg.sender] = w;
        _treeAppend(w);
        emit VerifierRegistered(msg.sender);
        emit VerifierWeight(msg.sender, w);
    }

    function deregisterVerifier() external nonReentrant {
        require(poolIndexPlusOne[msg.sender] != 0, NotAVerifier());
        _removeFromPool(msg.sender);
    }

    function verifierPoolSize() external view returns (uint256) {
        return verifierPool.length;
    }

    /// @notice The verifier whose weight interval holds `point` (< totalDrawWeight()): a draw in proportion to weight.
    function verifierAt(uint256 point) external view returns (address) {
        return verifierPool[_treeFind(point)];
    }

    function _checkSeat(uint256 w) private view {
        uint256 seat = ISeatStake(market).minVerifierStake();
        require(w >= seat && w > 0, VerifierStakeTooLow(w, seat));
    }

    /// @dev A pooled verifier's weight follows its stake; below one seat's stake it leaves the pool.
    function _syncWeight(address who) private {
        uint256 ip1 = poolIndexPlusOne[who];
        if (ip1 == 0) return;
        uint256 w = staked[who];
        uint256 seat = ISeatStake(market).minVerifierStake();
        if (w < seat || w == 0) {
            _removeFromPool(who);
            return;
        }
        uint256 old = drawWeight[who];
        if (w > old) _treeAdd(ip1, w - old, true);
        else _treeAdd(ip1, old - w, false);
        drawWeight[who] = w;
        emit VerifierWeight(who, w);
    }

    /// @notice The pool's total draw weight.
    function totalDrawWeight() public view returns (uint256) {
        return _treeSum(verifierPool.length);
    }

    /// @dev Swap-and-pop: the last verifier takes the removed one's place (and its tree node its weight); the tree's
    /// last node covers no other element, so it is dropped with it.
    function _removeFromPool(address v) private {
        uint256 ip1 = poolIndexPlusOne[v];
        uint256 n = verifierPool.length;
        address last = verifierPool[n - 1];
        if (ip1 != n) {
            uint256 wv = drawWeight[v];
            uint256 wl = drawWeight[last];
            if (wl > wv) _treeAdd(ip1, wl - wv, true);
            else _treeAdd(ip1, wv - wl, false);
            verifierPool[ip1 - 1] = last;
            poolIndexPlusOne[last] = ip1;
        }
        verifierPool.pop();
        drawTree.pop();
        poolIndexPlusOne[v] = 0;
        drawWeight[v] = 0;
        emit VerifierDeregistered(v);
    }

    /// @dev Sum of the first `i` weights.
    function _treeSum(uint256 i) private view returns (uint256 s) {
        for (; i > 0; i -= i & (~i + 1)) s += drawTree[i - 1];
    }

    /// @dev Adds (or subtracts) `w` to element `i` (1-based).
    function _treeAdd(uint256 i, uint256 w, bool up) private {
        for (uint256 n = drawTree.length; i <= n; i += i & (~i + 1)) drawTree[i - 1] = up ? drawTree[i - 1] + w : drawTree[i - 1] - w;
    }

    /// @dev Appends element n + 1 of weight `w`: its node covers the `lowbit(n + 1)` elements ending with it.
    function _treeAppend(uint256 w) private {
        uint256 n = drawTree.length + 1;
        drawTree.push(w + _treeSum(n - 1) - _treeSum(n - (n & (~n + 1))));
    }

    /// @dev The 0-based index of the element whose weight interval holds `point` (< the total weight).
    function _treeFind(uint256 point) private view returns (uint256 pos) {
        uint256 n = drawTree.length;
        uint256 step = 1;
        while (step * 2 <= n) step *= 2;
        for (; step > 0; step >>= 1) {
            if (pos + step <= n && drawTree[pos + step - 1] <= point) {
                pos += step;
                point -= drawTree[pos - 1];
            }
        }
    }

    function _u128(uint256 x) private pure returns (uint128) {
        require(x <= type(uint128).max, AmountTooLarge());
        return uint128(x);
    }
}
