package dev.verity.chain;

import static dev.verity.chain.Abi.addr;
import static dev.verity.chain.Abi.b32;
import static dev.verity.chain.Abi.b32s;
import static dev.verity.chain.Abi.bool;
import static dev.verity.chain.Abi.bytes;
import static dev.verity.chain.Abi.u256;
import static dev.verity.chain.Abi.u32;
import static dev.verity.chain.Abi.u64;
import static dev.verity.chain.Abi.u8;

import dev.verity.chain.bindings.DisputeGame;
import dev.verity.chain.bindings.ModelRegistry;
import dev.verity.chain.bindings.ProtocolParams;
import dev.verity.chain.bindings.Staking;
import dev.verity.chain.bindings.TaskMarket;
import dev.verity.chain.bindings.VerityToken;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.DynamicStruct;
import org.web3j.abi.datatypes.StaticStruct;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint32;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tx.Contract;
import org.web3j.tx.TransactionManager;
import org.web3j.utils.Numeric;

/**
 * Typed bindings for a deployed set of Verity contracts, over the wrappers web3j's code generator writes from the committed
 * ABIs ({@code dev.verity.chain.bindings}, kept current by BindingsTest), which send through this chain with a
 * {@link ChainTransactionManager} per account. Every transaction records its gas under a label ("Contract.function",
 * with the dispute round) so a gas table can be printed for any run; {@link #tx} and {@link #view} remain for calls by
 * signature (the attack library's malformed calls, generic getters).
 */
public final class Verity {

    /**
     * Deployment parameters; {@code rules} are the rules new tasks start under, the dispute's bond and round timeout among
     * them (a passed proposal changes them later), {@code governance} how the governor and its timelock are set up.
     */
    public record Config(BigInteger initialSupply, long unbondingDelay, TaskRules rules, String refereeContract, GovernanceSettings governance) {
        public Config {
            if (rules == null) throw new IllegalArgumentException("a deployment needs its initial task rules");
            if (governance == null) throw new IllegalArgumentException("a deployment needs its governance settings");
        }

        /** With the governance a public network would use ({@link GovernanceSettings#defaults}). */
        public Config(BigInteger initialSupply, long unbondingDelay, TaskRules rules, String refereeContract) {
            this(initialSupply, unbondingDelay, rules, refereeContract, GovernanceSettings.defaults());
        }

        public static Config defaults() {
            return new Config(BigInteger.TEN.pow(27), 7 * 86400, TaskRules.defaults(), "BasicOpReferee");
        }

        public Config withReferee(String referee) {
            return new Config(initialSupply, unbondingDelay, rules, referee, governance);
        }

        public Config withRules(TaskRules r) {
            return new Config(initialSupply, unbondingDelay, r, refereeContract, governance);
        }

        /** With another round timeout in the initial rules. */
        public Config withRoundTimeout(long seconds) {
            return withRules(rules.withRoundTimeout(seconds));
        }

        /** With other governance windows (tests and local networks: a vote of a few blocks, a short timelock). */
        public Config withGovernance(GovernanceSettings g) {
            return new Config(initialSupply, unbondingDelay, rules, refereeContract, g);
        }
    }

    public static BigInteger ether(long n) {
        return BigInteger.valueOf(n).multiply(BigInteger.TEN.pow(18));
    }

    /** Task status as TaskMarket.Status orders it. */
    /**
     * A task's status with the code TaskMarket's {@code Status} enum has on the wire (its members' positions, which
     * {@code TaskStatusCodesTest} reads from TaskMarket.sol): never this enum's declaration order.
     */
    public enum Status {
        NONE(0), BIDDING(1), ASSIGNED(2), COMMITTED(3), DISPUTED(4), SETTLED(5), FAILED(6), CANCELLED(7);

        private final int code;

        Status(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        /** The status of a code read from the chain; an unknown code is an error naming it. */
        public static Status ofCode(long code) {
            for (Status s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            throw new IllegalStateException("the market returned task status " + code + ", which this Verity does not know");
        }

        /** Whether this status is {@code other} or comes after it in a task's life (codes rise along it). */
        public boolean atOrPast(Status other) {
            return code >= other.code;
        }
    }

    /**
     * A task as the market holds it; {@code rules} are those it was posted under, {@code endsRoot} the solver's op traces of
     * every segment's last step ({@link ReplayProof.SegmentEnds}).
     */
    public record TaskView(PostParams spec, String submitter, Status status, String solver, BigInteger bestPrice, BigInteger escrow,
            byte[] traceRoot, byte[] modelRoot, byte[] manifestHash, long deadline, boolean assigned, boolean stakeLocked, long attestations,
            byte[] endsRoot, TaskRules rules) {}

    /**
     * A verifier's seat: {@code challenged}, it opened a dispute against the task; {@code slashed}, its seat stake is gone
     * (it stayed silent, or did not prove its replay, in a task that settled); {@code key} the seat's key (drawn with it, it
     * keys the replay root); {@code replayRoot} its attestation (a {@link ReplayProof} root), {@code probe} the seed drawn
     * from its block (null until drawn); {@code proven}, it revealed the drawn chunk (it counts toward the quorum and is
     * paid); {@code retargeted}, its probe was re-targeted once (its hash fell out of reach); {@code forced}, the probe drew it as a forced error (a proven replay wins a jackpot).
     */
    public record Assignment(String verifier, long segment, boolean attested, boolean challenged, boolean slashed, byte[] key,
            byte[] replayRoot, long attestBlock, byte[] probe, boolean proven, boolean retargeted, boolean forced) {}

    /**
     * A dispute: {@code nextRound} is the round to play (0 once resolved); {@code demand & 3} an opening the challenger
     * demanded (DisputeGame.DEMAND_*: 1 the op trace, 2 the element chain), due from the solver whatever the round's parity;
     * bit 4 (CHAIN_OPENED): the chain was opened already and cannot be demanded again.
     */
    public record DisputeView(long taskId, String challenger, String defender, int nextRound, long deadline, boolean challengerWon,
            BigInteger bond, BigInteger solverStake, int demand) {
        /** Whether it is the solver's turn (an even round, or a demanded opening). */
        public boolean solversTurn() {
            return nextRound != 0 && ((demand & 3) != 0 || nextRound % 2 == 0);
        }
    }

    public final Chain chain;
    public final Config config;
    public final String deployer;
    public final String treasury;
    public final String token;
    public final String staking;
    public final String registry;
    public final String market;
    public final String game;
    public final String referee;
    /** ProtocolParams: the rules of new tasks, owned by {@link #timelock}. */
    public final String params;
    /** VerityGovernor: VRT holders' proposals and votes. */
    public final String governor;
    /** VerityTimelock: the governor's executor, owner of {@link #params}. */
    public final String timelock;
    /** The head just before the contracts were created: no Verity event is older. */
    public final long deployBlock;
    private final Map<String, List<Long>> gas = new TreeMap<>();

    private Verity(Chain chain, Config config, String deployer, String treasury, String token, String staking, String registry, String market,
            String game, String referee, String params, String governor, String timelock, long deployBlock) {
        this.chain = chain;
        this.config = config;
        this.deployer = deployer;
        this.treasury = treasury;
        this.token = token;
        this.staking = staking;
        this.registry = registry;
        this.market = market;
        this.game = game;
        this.referee = referee;
        this.params = params;
        this.governor = governor;
        this.timelock = timelock;
        this.deployBlock = deployBlock;
    }

    /** Deploys token, staking, registry, market, referee and game, and wires them (one-time). */
    public static Verity deploy(Chain chain, String deployer, String treasury, Config cfg) {
        Map<String, Long> deployGas = new TreeMap<>();
        long deployBlock = chain.blockNumber();
        String token = create(chain, deployer, deployGas, "VerityToken", u256(cfg.initialSupply()), bool(false));
        String staking = create(chain, deployer, deployGas, "Staking", addr(token), u64(cfg.unbondingDelay()), addr(treasury));
        String registry = create(chain, deployer, deployGas, "ModelRegistry");
        String initReferee = create(chain, deployer, deployGas, "InitReferee");
        // Governance: the governor creates its timelock (proposer and canceller the governor, anyone executes, no admin),
        // and ProtocolParams belongs to the timelock from its constructor, so the deployer never holds a rule or a role
        // (docs/governance.md).
        GovernanceSettings gs = cfg.governance();
        String governor = create(chain, deployer, deployGas, "VerityGovernor", addr(token), Abi.u48(gs.votingDelay()), u32(gs.votingPeriod()),
                u256(gs.proposalThreshold()), u256(gs.quorumPercent()), u256(gs.timelockDelay()));
        String timelock = Abi.wordAddress(chain.call(deployer, governor, Abi.call("timelock()")), 0).toLowerCase(java.util.Locale.ROOT);
        // the first referee set: the referee that recomputes a link, and round 5's structure check (LinkStructure, with
        // LinkStructureRows and LinkStructureNorm, behind StructureReferee, which proves its inputs); a proposal may add others
        String referee = create(chain, deployer, deployGas, cfg.refereeContract());
        String rows = create(chain, deployer, deployGas, "LinkStructureRows");
        String norm = create(chain, deployer, deployGas, "LinkStructureNorm");
        String structure = create(chain, deployer, deployGas, "LinkStructure", addr(rows), addr(norm));
        String structureReferee = create(chain, deployer, deployGas, "StructureReferee", addr(structure));
        String params = create(chain, deployer, deployGas, "ProtocolParams", addr(timelock), rulesAbi(cfg.rules()), addr(referee),
                addr(structureReferee));
        String replayReferee = create(chain, deployer, deployGas, "ReplayReferee");
        String market = create(chain, deployer, deployGas, "TaskMarket", addr(token), addr(staking), addr(registry), addr(treasury),
                addr(params), addr(initReferee), addr(replayReferee));
        String game = create(chain, deployer, deployGas, "DisputeGame", addr(token), addr(staking), addr(params));
        Verity v = new Verity(chain, cfg, deployer, treasury, token, staking, registry, market, game, referee, params, governor, timelock,
                deployBlock);
        deployGas.forEach((k, g) -> v.gas.computeIfAbsent("deploy " + k, x -> new ArrayList<>()).add(g));
        v.send(deployer, "Staking.wire", v.stakingAs(deployer).wire(market, game));
        v.send(deployer, "ModelRegistry.wire", v.registryAs(deployer).wire(market));
        v.send(deployer, "TaskMarket.wire", v.marketAs(deployer).wire(game));
        v.send(deployer, "DisputeGame.wire", v.gameAs(deployer).wire(market));
        return v;
    }

    /**
     * Binds to contracts someone else deployed. Checks the chain id and that the addresses hold
     * contracts with the recorded parameters, so a wrong or stale deployment file fails here.
     */
    public static Verity attach(Chain chain, Deployment d) {
        if (chain.chainId() != d.chainId()) {
            throw new IllegalArgumentException("deployment is for chain id " + d.chainId() + ", this chain is " + chain.chainId());
        }
        Verity v = new Verity(chain, d.config(), d.deployer(), d.treasury(), d.token(), d.staking(), d.registry(), d.market(), d.game(),
                d.referee(), d.params(), d.governor(), d.timelock(), d.deployBlock());
        if (!PRODUCTION_REFEREES.contains(d.refereeContract())) {
            throw new IllegalArgumentException("deployment uses referee " + d.refereeContract() + ", which is not one of Verity's referees "
                    + PRODUCTION_REFEREES + " (a test referee rules the same way whatever the link, so it would pay every cheat or every liar)");
        }
        try {
            checkCode(chain, d.token(), "VerityToken");
            checkCode(chain, d.staking(), "Staking");
            checkCode(chain, d.registry(), "ModelRegistry");
            checkCode(chain, d.market(), "TaskMarket");
            checkCode(chain, d.game(), "DisputeGame");
            checkCode(chain, d.params(), "ProtocolParams");
            checkCode(chain, d.governor(), "VerityGovernor");
            checkCode(chain, d.timelock(), "VerityTimelock");
            checkCode(chain, d.referee(), d.refereeContract());
            checkWiring(v, d);
            checkGovernance(v, d);
            check(call(v.stakingAs(v.deployer).unbondingDelay()).longValueExact() == d.unbondingDelay(), "staking has another unbonding delay");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("deployment does not match the contracts on this chain: " + e.getMessage(), e);
        }
        return v;
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new IllegalStateException(what);
    }

    /** The referees a deployment may use; the test referees exist only in the tests' artifacts. */
    public static final List<String> PRODUCTION_REFEREES = List.of("BasicOpReferee");

    private static void checkCode(Chain chain, String address, String contract) {
        check(Artifacts.runtimeMatches(contract, chain.code(address)), address + " does not hold " + contract + "'s code");
    }

    /** An address getter of a contract without a generated wrapper (the referees, the governor). */
    private String addressAt(String contract, String getter) {
        return Abi.wordAddress(view(contract, getter + "()"), 0).toLowerCase(java.util.Locale.ROOT);
    }

    private static String address(RemoteFunctionCall<String> getter) {
        return call(getter).toLowerCase(java.util.Locale.ROOT);
    }

    /** A link of the deployment: {@code getter} of the contract at {@code at} must return {@code want}. */
    private record Wiring(String at, String getter, RemoteFunctionCall<String> read, String want) {}

    /** Every contract points at the others of the deployment, is wired, and the game's structure referee is Verity's. */
    private static void checkWiring(Verity v, Deployment d) {
        TaskMarket m = v.marketAs(v.deployer);
        DisputeGame g = v.gameAs(v.deployer);
        Staking s = v.stakingAs(v.deployer);
        ModelRegistry r = v.registryAs(v.deployer);
        List<Wiring> links = List.of(new Wiring(d.market(), "disputeGame", m.disputeGame(), d.game()), new Wiring(d.market(), "token", m.token(), d.token()),
                new Wiring(d.market(), "staking", m.staking(), d.staking()), new Wiring(d.market(), "registry", m.registry(), d.registry()),
                new Wiring(d.market(), "treasury", m.treasury(), d.treasury()), new Wiring(d.market(), "params", m.params(), d.params()),
                new Wiring(d.game(), "market", g.market(), d.market()), new Wiring(d.game(), "params", g.params(), d.params()),
                new Wiring(d.game(), "token", g.token(), d.token()), new Wiring(d.game(), "staking", g.staking(), d.staking()),
                new Wiring(d.staking(), "market", s.market(), d.market()), new Wiring(d.staking(), "disputeGame", s.disputeGame(), d.game()),
                new Wiring(d.staking(), "token", s.token(), d.token()), new Wiring(d.staking(), "treasury", s.treasury(), d.treasury()),
                new Wiring(d.registry(), "market", r.market(), d.market()));
        for (Wiring l : links) {
            String got = address(l.read());
            check(got.equals(l.want()), l.at() + "." + l.getter() + "() is " + got + ", the deployment says " + l.want());
        }
        check(call(m.wired()), d.market() + " is not wired yet");
        check(call(g.wired()), d.game() + " is not wired yet");
        check(call(s.wired()), d.staking() + " is not wired yet");
        check(call(r.wired()), d.registry() + " is not wired yet");
        checkCode(v.chain, address(m.initReferee()), "InitReferee");
        checkCode(v.chain, address(m.replayReferee()), "ReplayReferee");
        // referee set 0 is the deployment's: its referee is the recorded one, its structure check Verity's
        var set0 = call(v.paramsAs(v.deployer).refereesOf(BigInteger.ZERO));
        check(set0.component1().toLowerCase(java.util.Locale.ROOT).equals(d.referee()), "referee set 0 of " + d.params() + " is "
                + set0.component1() + ", the deployment says " + d.referee());
        String structure = set0.component2().toLowerCase(java.util.Locale.ROOT);
        checkCode(v.chain, structure, "StructureReferee");
        String linkStructure = v.addressAt(structure, "structure");
        checkCode(v.chain, linkStructure, "LinkStructure");
        checkCode(v.chain, v.addressAt(linkStructure, "rows"), "LinkStructureRows");
        checkCode(v.chain, v.addressAt(linkStructure, "norm"), "LinkStructureNorm");
    }

    /**
     * The governor votes with this deployment's token and executes through this timelock, the timelock owns the rules,
     * and neither the deployer nor anyone but the governor holds a timelock role that could move them (the timelock's
     * code gives its roles only to the governor it was created with, to anyone for execution, and to itself).
     */
    private static void checkGovernance(Verity v, Deployment d) {
        check(v.addressAt(d.governor(), "token").equals(d.token()), "governor " + d.governor() + " votes with another token");
        check(v.addressAt(d.governor(), "timelock").equals(d.timelock()), "governor " + d.governor() + " executes through another timelock");
        String owner = address(v.paramsAs(v.deployer).owner());
        check(owner.equals(d.timelock()), "ProtocolParams " + d.params() + " is owned by " + owner + ", not the timelock " + d.timelock());
        Governance gov = new Governance(v);
        check(gov.hasRole(Governance.PROPOSER_ROLE, d.governor()), "the timelock does not take proposals from the governor");
        check(!gov.hasRole(Governance.DEFAULT_ADMIN_ROLE, d.deployer()) && !gov.hasRole(Governance.PROPOSER_ROLE, d.deployer()),
                "the deployer holds a timelock role");
    }

    /** This binding's addresses and parameters, to hand to other processes. */
    public Deployment deployment() {
        return new Deployment(chain.chainId(), deployer, treasury, token, staking, registry, market, game, referee, governor, timelock, params,
                config.initialSupply(), config.unbondingDelay(), config.rules(), config.refereeContract(), config.governance(), deployBlock);
    }

    private static String create(Chain chain, String from, Map<String, Long> gas, String name, Type<?>... args) {
        Receipt r = chain.deploy(from, Artifacts.creationCode(name, args));
        gas.put(name, r.gasUsed());
        return r.contractAddress();
    }

    // ------------------------------------------------------------------ plumbing

    /** Sends {@code signature(args)} by hand (no wrapper: the attack library's malformed calls), recorded under {@code label}. */
    public Receipt tx(String from, String to, String label, String signature, Type<?>... args) {
        byte[] data = Abi.call(signature, args);
        return record(from, label, () -> chain.send(from, to, data));
    }

    /** Sends a generated wrapper's transaction (built on {@code from}'s wrapper, e.g. {@link #gameAs}), recorded under {@code label}. */
    private Receipt send(String from, String label, RemoteFunctionCall<TransactionReceipt> call) {
        return record(from, label, () -> manager(from).take(call(call)));
    }

    /** A wrapper's view or transaction, run: a revert throws {@link Chain.RevertException} with its decoded reason. */
    private static <T> T call(RemoteFunctionCall<T> call) {
        return ChainTransactionManager.run(call);
    }

    private Receipt record(String from, String label, Supplier<Receipt> send) {
        Receipt r;
        try {
            r = send.get();
        } catch (Chain.RevertException e) {
            // a reverted transaction is paid for too (the embedded chain mines it)
            if (e.receipt() != null) addSenderGas(from, e.receipt().gasUsed());
            throw e;
        }
        synchronized (gas) {
            gas.computeIfAbsent(label, k -> new ArrayList<>()).add(r.gasUsed());
        }
        addSenderGas(from, r.gasUsed());
        return r;
    }

    private final Map<String, Long> gasBySender = new TreeMap<>();

    private void addSenderGas(String from, long used) {
        synchronized (gasBySender) {
            gasBySender.merge(from.toLowerCase(java.util.Locale.ROOT), used, Long::sum);
        }
    }

    /** Gas of every transaction {@code who} sent through this binding, reverted ones included. */
    public long gasSentBy(String who) {
        synchronized (gasBySender) {
            return gasBySender.getOrDefault(who.toLowerCase(java.util.Locale.ROOT), 0L);
        }
    }

    /** Calls {@code signature(args)} by hand from the deployer; returns the raw ABI-encoded result. */
    public byte[] view(String to, String signature, Type<?>... args) {
        return chain.call(deployer, to, Abi.call(signature, args));
    }

    private final Map<String, ChainTransactionManager> managers = new ConcurrentHashMap<>();
    private final Map<String, Contract> wrappers = new ConcurrentHashMap<>();

    private ChainTransactionManager manager(String from) {
        return managers.computeIfAbsent(from.toLowerCase(java.util.Locale.ROOT), f -> new ChainTransactionManager(chain, f));
    }

    /** The generated wrapper of {@code contract} acting as {@code from} (views: the deployer), loaded once; no Web3j is needed. */
    @SuppressWarnings("unchecked")
    private <C extends Contract> C wrapper(String contract, String from, Function<TransactionManager, C> load) {
        return (C) wrappers.computeIfAbsent(contract + "/" + from.toLowerCase(java.util.Locale.ROOT), k -> load.apply(manager(from)));
    }

    DisputeGame gameAs(String from) {
        return wrapper("game", from, tm -> DisputeGame.load(game, null, tm, ChainTransactionManager.GAS));
    }

    TaskMarket marketAs(String from) {
        return wrapper("market", from, tm -> TaskMarket.load(market, null, tm, ChainTransactionManager.GAS));
    }

    Staking stakingAs(String from) {
        return wrapper("staking", from, tm -> Staking.load(staking, null, tm, ChainTransactionManager.GAS));
    }

    VerityToken tokenAs(String from) {
        return wrapper("token", from, tm -> VerityToken.load(token, null, tm, ChainTransactionManager.GAS));
    }

    ModelRegistry registryAs(String from) {
        return wrapper("registry", from, tm -> ModelRegistry.load(registry, null, tm, ChainTransactionManager.GAS));
    }

    ProtocolParams paramsAs(String from) {
        return wrapper("params", from, tm -> ProtocolParams.load(params, null, tm, ChainTransactionManager.GAS));
    }

    private static BigInteger big(long v) {
        return BigInteger.valueOf(v);
    }

    /** Gas used per "Contract.function": every observed value, in call order. */
    public Map<String, List<Long>> gasTable() {
        synchronized (gas) {
            Map<String, List<Long>> copy = new TreeMap<>();
            gas.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            return copy;
        }
    }

    public void clearGas() {
        synchronized (gas) {
            gas.clear();
        }
    }

    // ------------------------------------------------------------------ token

    public BigInteger balanceOf(String who) {
        return call(tokenAs(deployer).balanceOf(who));
    }

    public BigInteger totalSupply() {
        return call(tokenAs(deployer).totalSupply());
    }

    public Receipt faucet(String who, BigInteger amount) {
        return send(who, "VerityToken.faucet", tokenAs(who).faucet(amount));
    }

    public Receipt transfer(String from, String to, BigInteger amount) {
        return send(from, "VerityToken.transfer", tokenAs(from).transfer(to, amount));
    }

    public Receipt approve(String owner, String spender, BigInteger amount) {
        return send(owner, "VerityToken.approve", tokenAs(owner).approve(spender, amount));
    }

    // ------------------------------------------------------------------ staking

    public Receipt stake(String who, BigInteger amount) {
        return send(who, "Staking.stake", stakingAs(who).stake(amount));
    }

    public Receipt requestUnbond(String who, BigInteger amount) {
        return send(who, "Staking.requestUnbond", stakingAs(who).requestUnbond(amount));
    }

    public Receipt withdraw(String who) {
        return send(who, "Staking.withdraw", stakingAs(who).withdraw());
    }

    public BigInteger staked(String who) {
        return call(stakingAs(deployer).staked(who));
    }

    public BigInteger locked(String who) {
        return call(stakingAs(deployer).locked(who));
    }

    public BigInteger totalStaked() {
        return call(stakingAs(deployer).totalStaked());
    }

    public BigInteger totalUnbonding() {
        return call(stakingAs(deployer).totalUnbonding());
    }

    /** The treasury's half of dispute slashes, held by the Staking contract until {@link #collectTreasury}. */
    public BigInteger treasuryAccrued() {
        return call(stakingAs(deployer).treasuryAccrued());
    }

    /** Sends the accrued treasury share of dispute slashes to the treasury (anyone may send it). */
    public Receipt collectTreasury(String from) {
        return send(from, "Staking.collectTreasury", stakingAs(from).collectTreasury());
    }

    /** Stake on its way out of {@code who}'s account (withdrawable from {@link #unbondingReleaseAt}). */
    public BigInteger unbonding(String who) {
        return call(stakingAs(deployer).unbondingAmount(who));
    }

    /** When {@code who}'s unbonding stake may be withdrawn (seconds; 0 if none was requested). */
    public long unbondingReleaseAt(String who) {
        return call(stakingAs(deployer).unbondingReleaseAt(who)).longValueExact();
    }

    // ------------------------------------------------------------------ market

    /** A pooled verifier's draw weight, its stake (0 outside the pool). */
    public BigInteger drawWeight(String who) {
        return call(stakingAs(deployer).drawWeight(who));
    }

    /** The pool's total draw weight. */
    public BigInteger totalDrawWeight() {
        return call(stakingAs(deployer).totalDrawWeight());
    }

    public Receipt registerVerifier(String who) {
        return send(who, "Staking.registerVerifier", stakingAs(who).registerVerifier());
    }

    /** The registered verifiers (TaskMarket.verifierPool), in pool order. */
    public List<String> verifierPool() {
        Staking s = stakingAs(deployer);
        long n = call(s.verifierPoolSize()).longValueExact();
        List<String> out = new ArrayList<>();
        for (long i = 0; i < n; i++) out.add(call(s.verifierPool(big(i))).toLowerCase(java.util.Locale.ROOT));
        return out;
    }

    /** Posts a task; returns its id (read from the TaskPosted event). */
    public long post(String submitter, PostParams spec) {
        Receipt r = send(submitter, "TaskMarket.post", marketAs(submitter).post(spec.toBinding()));
        for (Receipt.Log l : r.logs()) {
            if (l.address().equalsIgnoreCase(market) && EV_TASK_POSTED.equals(l.topic0())) {
                return TaskMarket.getTaskPostedEventFromLog(web3Log(l)).taskId.longValueExact();
            }
        }
        throw new IllegalStateException("post emitted no TaskPosted event");
    }

    public Receipt bid(String solver, long taskId, BigInteger pricePerUnit) {
        return send(solver, "TaskMarket.bid", marketAs(solver).bid(big(taskId), pricePerUnit));
    }

    public Receipt closeAuction(String who, long taskId) {
        return send(who, "TaskMarket.closeAuction", marketAs(who).closeAuction(big(taskId)));
    }

    /** Commits the solver's roots; {@code ends} holds the op trace of every segment's last step, probes prove against it. */
    public Receipt commit(String solver, long taskId, byte[] traceRoot, byte[] modelRoot, byte[] manifestHash, ReplayProof.SegmentEnds ends) {
        return send(solver, "TaskMarket.commit", marketAs(solver).commit(big(taskId), traceRoot, modelRoot, manifestHash, ends.root()));
    }

    public Receipt timeoutCommit(String who, long taskId) {
        return send(who, "TaskMarket.timeoutCommit", marketAs(who).timeoutCommit(big(taskId)));
    }

    public Receipt revealSeed(String submitter, long taskId, byte[] secret) {
        return send(submitter, "TaskMarket.revealSeed", marketAs(submitter).revealSeed(big(taskId), secret));
    }

    public Receipt assignWithoutReveal(String who, long taskId) {
        return send(who, "TaskMarket.assignWithoutReveal", marketAs(who).assignWithoutReveal(big(taskId)));
    }

    /** The draw assignWithoutReveal would make now (TaskMarket.fallbackRandomness): fixed by the commit's block. */
    public byte[] fallbackRandomness(long taskId) {
        return call(marketAs(deployer).fallbackRandomness(big(taskId)));
    }

    /** Attests seat {@code index}: {@code replayRoot} is the seat's keyed root of its replay ({@link ReplayProof#root()}). */
    public Receipt attest(String verifier, long taskId, long index, byte[] replayRoot) {
        return send(verifier, "TaskMarket.attest", marketAs(verifier).attest(big(taskId), big(index), replayRoot));
    }

    private volatile long probeWindow = -1;

    /** TaskMarket.PROBE_WINDOW: seconds after the verify deadline for probe reveals; a task settles after it. */
    public long probeWindow() {
        if (probeWindow < 0) probeWindow = call(marketAs(deployer).PROBE_WINDOW()).longValueExact();
        return probeWindow;
    }

    /** Whether task {@code t}'s probes can still be drawn and revealed now (TaskMarket._probing: in verification, window open). */
    public boolean probesOpen(TaskView t) {
        return (t.status() == Status.COMMITTED || t.status() == Status.DISPUTED) && chain.timestamp() <= t.deadline() + probeWindow();
    }

    /** The seat's probe seed if it can be drawn now, else null: it draws the op and chunk to reveal ({@link ReplayProof#reveal}). */
    public byte[] probeOf(long taskId, long index) {
        byte[] seed = call(marketAs(deployer).probeOf(big(taskId), big(index)));
        return java.util.Arrays.equals(seed, new byte[32]) ? null : seed;
    }

    /**
     * Fixes seat {@code index}'s probe, or re-targets it once when its attestation block's hash is out of reach (anyone may
     * call it; a seat that let the hash fall out of reach calls it, then reveals in a later block).
     */
    public Receipt drawProbe(String who, long taskId, long index) {
        return send(who, "TaskMarket.drawProbe", marketAs(who).drawProbe(big(taskId), big(index)));
    }

    /** The verifier's reveal at its probe: the drawn chunk, proven in the solver's op trace and in its keyed replay root. */
    public Receipt revealProbe(String verifier, long taskId, long index, ReplayProof.Reveal r) {
        List<TaskMarket.ChunkReveal> chunks = new ArrayList<>();
        for (ReplayProof.ChunkReveal c : r.chunks()) {
            chunks.add(new TaskMarket.ChunkReveal(c.recordHash(), c.outputRoot(), big(c.outputElems()), c.opProof(), c.chunk(), c.chunkProof(),
                    c.keyedRoot(), c.keyedOpProof(), c.keyedChunkProof()));
        }
        TaskMarket.ReplayReveal w = new TaskMarket.ReplayReveal(r.opTraceRoot(), r.endProof(), big(r.opCount()), chunks);
        return send(verifier, "TaskMarket.revealProbe", marketAs(verifier).revealProbe(big(taskId), big(index), w));
    }

    public Receipt settle(String who, long taskId) {
        return send(who, "TaskMarket.settle", marketAs(who).settle(big(taskId)));
    }

    public BigInteger totalEscrowed() {
        return call(marketAs(deployer).totalEscrowed());
    }

    /** Tokens that pay forced errors caught (held by the market, part of totalEscrowed). */
    public BigInteger jackpotPool() {
        return call(marketAs(deployer).jackpotPool());
    }

    /** A jackpot paid to seat {@code index} of a task (TaskMarket's JackpotPaid event): a forced error it caught. */
    public record JackpotPaid(long taskId, long index, String verifier, BigInteger amount) {}

    /** The jackpots paid for forced errors caught in {@code taskId}'s seats. */
    public List<JackpotPaid> jackpotsPaid(long taskId) {
        List<JackpotPaid> out = new ArrayList<>();
        for (Receipt.Log l : chain.logsWithTopic1(market, Numeric.toHexStringWithPrefixZeroPadded(BigInteger.valueOf(taskId), 64), deployBlock,
                chain.blockNumber())) {
            if (!EV_JACKPOT_PAID.equalsIgnoreCase(l.topic0())) continue;
            var e = TaskMarket.getJackpotPaidEventFromLog(web3Log(l));
            out.add(new JackpotPaid(taskId, e.index.longValueExact(), e.verifier.toLowerCase(java.util.Locale.ROOT), e.amount));
        }
        return out;
    }

    /** The rules a task posted now is held to (ProtocolParams.rules). */
    public TaskRules rules() {
        return rulesOf(call(paramsAs(deployer).rules()));
    }

    /** ProtocolParams.Rules as TaskRules (which refuses values out of ProtocolParams's bounds). */
    static TaskRules rulesOf(ProtocolParams.Rules r) {
        return new TaskRules(r.seatStake, r.feeBps.intValueExact(), r.minStakeBps.intValueExact(), r.replayFeeFloorBps.intValueExact(),
                r.jackpotShareBps.intValueExact(), r.forcedErrorPpm.intValueExact(), r.refereeSet.intValueExact(), r.challengeBond,
                r.roundTimeout.longValueExact());
    }

    /** The rules as ProtocolParams.Rules (the constructor's and setRules' argument). */
    static StaticStruct rulesAbi(TaskRules r) {
        return new ProtocolParams.Rules(r.seatStake(), big(r.feeBps()), big(r.minStakeBps()), big(r.replayFeeFloorBps()), big(r.jackpotShareBps()),
                big(r.forcedErrorPpm()), big(r.refereeSet()), r.challengeBond(), big(r.roundTimeout()));
    }

    private static TaskRules rulesOf(TaskMarket.Rules r) {
        return new TaskRules(r.seatStake, r.feeBps.intValue(), r.minStakeBps.intValue(), r.replayFeeFloorBps.intValue(),
                r.jackpotShareBps.intValue(), r.forcedErrorPpm.intValue(), r.refereeSet.intValueExact(), r.challengeBond, r.roundTimeout.longValueExact());
    }

    public long taskCount() {
        return call(marketAs(deployer).taskCount()).longValueExact();
    }

    public TaskView task(long taskId) {
        TaskMarket.Task t = call(marketAs(deployer).getTask(big(taskId)));
        TaskMarket.PostParams p = t.p;
        PostParams spec = new PostParams(p.specHash, p.datasetRoot, p.graphRoot, p.parentModel, p.initRoot, p.seedCommit, p.graphOps.longValueExact(),
                p.totalSteps.longValueExact(), p.checkpointInterval.longValueExact(), p.workUnits.longValueExact(), p.maxPricePerUnit, p.replayFee,
                p.solverStake, p.numVerifiers.intValue(), p.bidWindow.longValueExact(), p.commitWindow.longValueExact(),
                p.revealWindow.longValueExact(), p.verifyWindow.longValueExact());
        return new TaskView(spec, t.submitter.toLowerCase(java.util.Locale.ROOT), Status.ofCode(t.status.longValueExact()),
                t.solver.toLowerCase(java.util.Locale.ROOT), t.bestPrice, t.escrow, t.traceRoot, t.modelRoot, t.manifestHash,
                t.deadline.longValueExact(), t.assigned, t.stakeLocked, t.attestations.longValueExact(), t.endsRoot, rulesOf(t.rules));
    }

    public List<Assignment> assignments(long taskId) {
        List<Assignment> out = new ArrayList<>();
        for (Object o : call(marketAs(deployer).getAssignments(big(taskId)))) {
            TaskMarket.Assignment a = (TaskMarket.Assignment) o;
            boolean drawn = !java.util.Arrays.equals(a.probe, new byte[32]);
            out.add(new Assignment(a.verifier.toLowerCase(java.util.Locale.ROOT), a.segment.longValueExact(), a.attested, a.challenged, a.slashed,
                    a.key, a.replayRoot, a.attestBlock.longValueExact(), drawn ? a.probe : null, a.proven, a.retargeted, a.forced));
        }
        return out;
    }

    // ------------------------------------------------------------------ dispute game

    /** Bonds of open disputes (held by the Staking contract). */
    public BigInteger totalBonds() {
        return call(gameAs(deployer).totalBonds());
    }

    public long activeDispute(long taskId) {
        return call(gameAs(deployer).activeDisputeOf(big(taskId))).longValueExact();
    }

    /** A dispute as {@link #disputeState} rebuilds it. */
    public DisputeView dispute(long disputeId) {
        GameState s = disputeState(disputeId);
        // the bond is the task's rule, which the dispute copied when it opened (a later proposal changes new tasks only)
        return new DisputeView(s.taskId(), s.challenger(), s.defender(), s.round(), s.deadline(), s.challengerWon(),
                task(s.taskId()).rules().challengeBond(), s.solverStake(), s.demand());
    }

    /** The segment a dispute is about (from its DisputeOpened event). */
    public long disputeSegment(long disputeId) {
        for (Receipt.Log l : disputeLogs(disputeId)) {
            if (EV_OPENED.equals(l.topic0())) return DisputeGame.getDisputeOpenedEventFromLog(web3Log(l)).segment.longValueExact();
        }
        throw new IllegalArgumentException("no dispute " + disputeId);
    }

    /**
     * The state DisputeGame keeps only the hash of (its {@code State} struct, docs/dispute-protocol.md).
     * Every move resends it; this rebuilds it from the dispute's events, which carry every field.
     */
    public record GameState(long taskId, String challenger, String defender, int round, boolean challengerWon, long deadline,
            BigInteger solverStake, byte[] graphRoot, byte[] datasetRoot, long graphOps, byte[] traceRoot, long traceLeaves, long segment,
            long segStartStep, long segEndStep, long step, byte[] h0, byte[] h1, byte[] opTraceRoot, long opIndex, byte[] graphLeafHash,
            byte[] outputRoot, long outputElems, long element, long links, long claimedValue, int demand) {
        /** As the generated wrapper's DisputeGame.State, which every move resends. */
        DisputeGame.State toBinding() {
            return new DisputeGame.State(big(taskId), challenger, defender, big(round), challengerWon, big(deadline), solverStake, graphRoot,
                    datasetRoot, big(graphOps), traceRoot, big(traceLeaves), big(segment), big(segStartStep), big(segEndStep), big(step), h0, h1,
                    opTraceRoot, big(opIndex), graphLeafHash, outputRoot, big(outputElems), big(element), big(links), big(claimedValue),
                    big(demand));
        }
    }

    // topic0 of DisputeGame's events, from the generated wrapper's Event definitions
    private static final String EV_OPENED = EventEncoder.encode(DisputeGame.DISPUTEOPENED_EVENT);
    private static final String EV_PARAMS = EventEncoder.encode(DisputeGame.DISPUTEPARAMS_EVENT);
    private static final String EV_SEGMENT = EventEncoder.encode(DisputeGame.SEGMENTROOTPOSTED_EVENT);
    private static final String EV_STEP = EventEncoder.encode(DisputeGame.STEPDISPUTED_EVENT);
    private static final String EV_OP = EventEncoder.encode(DisputeGame.OPDISPUTED_EVENT);
    private static final String EV_CHAIN = EventEncoder.encode(DisputeGame.ELEMENTCHAINPOSTED_EVENT);
    private static final String EV_OT_DEMANDED = EventEncoder.encode(DisputeGame.OPTRACEDEMANDED_EVENT);
    private static final String EV_OT_POSTED = EventEncoder.encode(DisputeGame.OPTRACEPOSTED_EVENT);
    private static final String EV_CHAIN_DEMANDED = EventEncoder.encode(DisputeGame.CHAINDEMANDED_EVENT);
    private static final String EV_CHAIN_POSTED = EventEncoder.encode(DisputeGame.CHAINPOSTED_EVENT);
    private static final String EV_PAGE_DEMANDED = EventEncoder.encode(DisputeGame.CHAINPAGEDEMANDED_EVENT);
    private static final String EV_PAGE_POSTED = EventEncoder.encode(DisputeGame.CHAINPAGEPOSTED_EVENT);
    private static final String EV_STATE_DEMANDED = EventEncoder.encode(DisputeGame.STATEDEMANDED_EVENT);
    private static final String EV_STATE_POSTED = EventEncoder.encode(DisputeGame.STATEPOSTED_EVENT);
    private static final String EV_RESOLVED = EventEncoder.encode(DisputeGame.DISPUTERESOLVED_EVENT);
    private static final String EV_TASK_POSTED = EventEncoder.encode(TaskMarket.TASKPOSTED_EVENT);
    private static final String EV_JACKPOT_PAID = EventEncoder.encode(TaskMarket.JACKPOTPAID_EVENT);
    private static final String EV_MODEL_REGISTERED = EventEncoder.encode(ModelRegistry.MODELREGISTERED_EVENT);

    /** A chain's log as web3j's, for the generated wrappers' {@code get...EventFromLog} decoders. */
    private static Log web3Log(Receipt.Log l) {
        Log w = new Log();
        w.setAddress(l.address());
        w.setTopics(l.topics());
        w.setData(Numeric.toHexString(l.data()));
        w.setTransactionHash(l.txHash());
        w.setBlockNumber(Numeric.encodeQuantity(BigInteger.valueOf(l.blockNumber())));
        return w;
    }

    private List<Receipt.Log> disputeLogs(long disputeId) {
        return chain.logsWithTopic1(game, Numeric.toHexStringWithPrefixZeroPadded(BigInteger.valueOf(disputeId), 64), deployBlock,
                chain.blockNumber());
    }

    /** Folds the dispute's events, in order, into its current state. */
    public GameState disputeState(long disputeId) {
        StateFold f = new StateFold();
        for (Receipt.Log l : disputeLogs(disputeId)) {
            f.apply(l.topic0(), web3Log(l));
        }
        if (f.round < 0) throw new IllegalArgumentException("no dispute " + disputeId + " (no DisputeOpened event)");
        return f.state();
    }

    /**
     * {@link GameState}'s fields as the events seen so far set them, decoded by the generated wrapper. Each event
     * overwrites the fields it carries, so folding in log order gives the state after the last one.
     */
    private static final class StateFold {
        /** Shared by every hash field no event has set, as one fresh array per fold. */
        private final byte[] zero = new byte[32];
        long taskId, deadline, graphOps, s0, s1, step, opIndex, outputElems, element, links, value, traceLeaves, segment;
        int demand;
        String challenger, defender;
        int round = -1;
        boolean won;
        BigInteger stake = BigInteger.ZERO;
        byte[] graphRoot = zero, datasetRoot = zero, traceRoot = zero, h0 = zero, h1 = zero, opTraceRoot = zero,
                graphLeafHash = zero, outputRoot = zero;

        void apply(String t, Log l) {
            if (EV_OPENED.equals(t)) {
                opened(DisputeGame.getDisputeOpenedEventFromLog(l));
            } else if (EV_PARAMS.equals(t)) {
                params(DisputeGame.getDisputeParamsEventFromLog(l));
            } else if (!rounds(t, l) && !demands(t, l) && EV_RESOLVED.equals(t)) {
                won = DisputeGame.getDisputeResolvedEventFromLog(l).challengerWon;
                round = 0;
            }
        }

        private void opened(DisputeGame.DisputeOpenedEventResponse e) {
            taskId = e.taskId.longValueExact();
            challenger = e.challenger;
            defender = e.defender;
            segment = e.segment.longValueExact();
            deadline = e.deadline.longValueExact();
            round = 2;
        }

        private void params(DisputeGame.DisputeParamsEventResponse e) {
            stake = e.solverStake;
            graphOps = e.graphOps.longValueExact();
            s0 = e.segStartStep.longValueExact();
            s1 = e.segEndStep.longValueExact();
            graphRoot = e.graphRoot;
            datasetRoot = e.datasetRoot;
            traceRoot = e.traceRoot;
            traceLeaves = e.traceLeaves.longValueExact();
        }

        /** The bisection moves of rounds 2 to 4; false if {@code t} is none of them. */
        private boolean rounds(String t, Log l) {
            if (EV_SEGMENT.equals(t)) {
                var e = DisputeGame.getSegmentRootPostedEventFromLog(l);
                opTraceRoot = e.segmentRoot; // the segment root, until round 3 names the step
                deadline = e.deadline.longValueExact();
                h0 = e.startState;
                h1 = e.endState;
                round = 3;
            } else if (EV_STEP.equals(t)) {
                // round 3 names the step and what is wrong in it in one move: OpDisputed (or the ruling) follows
                var e = DisputeGame.getStepDisputedEventFromLog(l);
                step = e.step.longValueExact();
                h0 = e.preState;
                h1 = e.postState;
                opTraceRoot = e.opTraceRoot;
            } else if (EV_OP.equals(t)) {
                var e = DisputeGame.getOpDisputedEventFromLog(l);
                opIndex = e.opIndex.longValueExact();
                element = e.element.longValueExact();
                outputRoot = e.outputRoot;
                outputElems = e.outputElems.longValueExact();
                graphLeafHash = e.graphLeafHash;
                deadline = e.deadline.longValueExact();
                round = 4;
            } else if (EV_CHAIN.equals(t)) {
                var e = DisputeGame.getElementChainPostedEventFromLog(l);
                outputRoot = e.chainRoot;
                links = e.chainLength.longValueExact();
                value = e.value.longValueExact();
                deadline = e.deadline.longValueExact();
                round = 5;
            } else {
                return false;
            }
            return true;
        }

        /** Demands for data and the answers to them: bits of {@code demand}; false if {@code t} is none of them. */
        private boolean demands(String t, Log l) {
            if (EV_OT_DEMANDED.equals(t)) {
                demand |= 1;
                deadline = DisputeGame.getOpTraceDemandedEventFromLog(l).deadline.longValueExact();
            } else if (EV_CHAIN_DEMANDED.equals(t)) {
                demand |= 2;
                deadline = DisputeGame.getChainDemandedEventFromLog(l).deadline.longValueExact();
            } else if (EV_OT_POSTED.equals(t)) {
                demand &= ~3;
                deadline = DisputeGame.getOpTracePostedEventFromLog(l).deadline.longValueExact();
            } else if (EV_CHAIN_POSTED.equals(t)) {
                demand = (demand & ~3) | 4;
                deadline = DisputeGame.getChainPostedEventFromLog(l).deadline.longValueExact();
            } else if (EV_PAGE_DEMANDED.equals(t)) {
                demand |= 2;
                deadline = DisputeGame.getChainPageDemandedEventFromLog(l).deadline.longValueExact();
            } else if (EV_PAGE_POSTED.equals(t)) {
                demand &= ~3;
                deadline = DisputeGame.getChainPagePostedEventFromLog(l).deadline.longValueExact();
            } else if (EV_STATE_DEMANDED.equals(t)) {
                var e = DisputeGame.getStateDemandedEventFromLog(l);
                int which = e.which.intValueExact();
                demand = (demand & ~(3 | 0xC0)) | 3 | (which << 6) | (8 << which); // DisputeGame.DEMAND_STATE, its root, opened
                deadline = e.deadline.longValueExact();
            } else if (EV_STATE_POSTED.equals(t)) {
                demand &= ~(3 | 0xC0);
                deadline = DisputeGame.getStatePostedEventFromLog(l).deadline.longValueExact();
            } else {
                return false;
            }
            return true;
        }

        GameState state() {
            return new GameState(taskId, challenger, defender, round, won, deadline, stake, graphRoot, datasetRoot, graphOps, traceRoot,
                    traceLeaves, segment, s0, s1, step, h0, h1, opTraceRoot, opIndex, graphLeafHash, outputRoot, outputElems, element,
                    links, value, demand);
        }
    }

    private DisputeGame.State state(long disputeId) {
        return disputeState(disputeId).toBinding();
    }

    /** Round 1: challenges segment {@code segment} of the task (nothing to prove; the solver opens it in round 2). Returns the dispute id. */
    public long openDispute(String challenger, long taskId, long segment) {
        Receipt rc = send(challenger, "DisputeGame.open (round 1)", gameAs(challenger).open(big(taskId), big(segment)));
        for (Receipt.Log l : rc.logs()) {
            if (l.address().equalsIgnoreCase(game) && EV_OPENED.equals(l.topic0())) {
                return DisputeGame.getDisputeOpenedEventFromLog(web3Log(l)).disputeId.longValueExact();
            }
        }
        throw new IllegalStateException("open emitted no DisputeOpened event");
    }

    /** Round 2: the segment's checkpoints, proven against the trace root, and every leaf of the segment tree. */
    public Receipt round2(String solver, long id, DisputeMoves.SegmentPost r) {
        return send(solver, "DisputeGame.postSegment (round 2)", gameAs(solver).postSegment(big(id), state(id), r.startState(), r.endState(),
                r.endsProof(), r.stateRoots(), r.opTraceRoots()));
    }

    /** What round 2 posted: the segment root the contract computed and the leaves, read from the SegmentRootPosted event. */
    public record PostedSegment(byte[] segmentRoot, byte[] startState, byte[] endState, List<byte[]> stateRoots, List<byte[]> opTraceRoots) {}

    /** The segment the solver posted in round 2 of dispute {@code disputeId}, or empty before round 2. */
    public java.util.Optional<PostedSegment> postedSegment(long disputeId) {
        for (Receipt.Log l : disputeLogs(disputeId)) {
            if (!EV_SEGMENT.equals(l.topic0())) continue;
            var e = DisputeGame.getSegmentRootPostedEventFromLog(web3Log(l));
            return java.util.Optional.of(new PostedSegment(e.segmentRoot, e.startState, e.endState, e.stateRoots, e.opTraceRoots));
        }
        return java.util.Optional.empty();
    }

    /** Round 3 without the step's op trace: names the step and demands its entries from the solver. */
    public Receipt demandOpTrace(String challenger, long id, Step st) {
        return send(challenger, "DisputeGame.demandOpTrace (round 3)", gameAs(challenger).demandOpTrace(big(id), state(id), st.toBinding()));
    }

    /** An op trace's entries: per graph op, its graph leaf hash, output root and output size. */
    public record OpTraceEntries(List<byte[]> graphLeaves, List<byte[]> outputRoots, List<Long> outputElems) {
        public OpTraceEntries {
            graphLeaves = List.copyOf(graphLeaves);
            outputRoots = List.copyOf(outputRoots);
            outputElems = List.copyOf(outputElems);
        }
    }

    /** The solver opens the demanded op trace (the contract recomputes its root). */
    public Receipt postOpTrace(String solver, long id, OpTraceEntries e) {
        List<BigInteger> elems = new ArrayList<>();
        for (long x : e.outputElems()) elems.add(big(x));
        return send(solver, "DisputeGame.postOpTrace (round 3, demanded)", gameAs(solver).postOpTrace(big(id), state(id), e.graphLeaves(),
                e.outputRoots(), elems));
    }

    /** The op trace the solver opened on chain in dispute {@code id}, if it did. */
    public java.util.Optional<OpTraceEntries> postedOpTrace(long id) {
        for (Receipt.Log l : disputeLogs(id)) {
            if (!EV_OT_POSTED.equals(l.topic0())) continue;
            var e = DisputeGame.getOpTracePostedEventFromLog(web3Log(l));
            List<Long> elems = new ArrayList<>();
            for (BigInteger x : e.outputElems) elems.add(x.longValueExact());
            return java.util.Optional.of(new OpTraceEntries(e.graphLeaves, e.outputRoots, elems));
        }
        return java.util.Optional.empty();
    }

    /** Round 5 without the element chain: demands its leaves from the solver. */
    public Receipt demandChain(String challenger, long id) {
        return send(challenger, "DisputeGame.demandChain (round 5)", gameAs(challenger).demandChain(big(id), state(id)));
    }

    /** The solver opens the demanded element chain: its link leaves, then the result leaf. */
    public Receipt postChain(String solver, long id, List<byte[]> leaves) {
        return send(solver, "DisputeGame.postChain (round 5, demanded)", gameAs(solver).postChain(big(id), state(id), leaves));
    }

    /** DisputeGame.STATE_*: which root a state demand opens. */
    public static final int STATE_AGREED = 0;
    public static final int STATE_DISPUTED = 1;
    public static final int STATE_MODEL = 2;

    /**
     * Round 3, demanded opening: every record of the disputed step's agreed state ({@link #STATE_AGREED}), its disputed
     * state ({@link #STATE_DISPUTED}; both name the step {@code st}) or the committed model ({@link #STATE_MODEL}).
     */
    public Receipt demandState(String challenger, long id, Step st, int which) {
        return send(challenger, "DisputeGame.demandState (round 3)", gameAs(challenger).demandState(big(id), state(id), st.toBinding(),
                big(which)));
    }

    /** The solver opens the demanded state: every record, in the tree's order (the contract recomputes the root). */
    public Receipt postState(String solver, long id, List<byte[]> records) {
        return send(solver, "DisputeGame.postState (round 3, demanded)", gameAs(solver).postState(big(id), state(id), records));
    }

    /** The records the solver opened on chain in dispute {@code id} for state {@code which}, if it did. */
    public java.util.Optional<List<byte[]>> postedState(long id, int which) {
        for (Receipt.Log l : disputeLogs(id)) {
            if (!EV_STATE_POSTED.equals(l.topic0())) continue;
            var e = DisputeGame.getStatePostedEventFromLog(web3Log(l));
            if (e.which.longValueExact() == which) return java.util.Optional.of(e.records);
        }
        return java.util.Optional.empty();
    }

    /** DisputeGame.PAGE_HEIGHT: a long chain opens in pages of 2^12 leaves. */
    public static final int CHAIN_PAGE_HEIGHT = 12;

    /** Round 5, demanded opening of a chain longer than one opening: page {@code page} of its leaves. */
    public Receipt demandChainPage(String challenger, long id, long page) {
        return send(challenger, "DisputeGame.demandChainPage (round 5)", gameAs(challenger).demandChainPage(big(id), state(id), big(page)));
    }

    /** The page of a long chain whose opening is due in dispute {@code id}, or -1. */
    public long chainPageDue(long id) {
        return call(gameAs(deployer).chainPageDue(big(id))).longValueExact() - 1;
    }

    /** The solver opens the demanded page: its leaves and the path from the page's subtree to the chain root. */
    public Receipt postChainPage(String solver, long id, List<byte[]> leaves, List<byte[]> path) {
        return send(solver, "DisputeGame.postChainPage (round 5, demanded)", gameAs(solver).postChainPage(big(id), state(id), leaves, path));
    }

    /** The leaves of page {@code page} of the chain the solver opened on chain in dispute {@code id}, if it did. */
    public java.util.Optional<List<byte[]>> postedChainPage(long id, long page) {
        for (Receipt.Log l : disputeLogs(id)) {
            if (!EV_PAGE_POSTED.equals(l.topic0())) continue;
            var e = DisputeGame.getChainPagePostedEventFromLog(web3Log(l));
            if (e.page.longValueExact() == page) return java.util.Optional.of(e.leaves);
        }
        return java.util.Optional.empty();
    }

    /** The chain leaves the solver opened on chain in dispute {@code id}, if it did. */
    public java.util.Optional<List<byte[]>> postedChain(long id) {
        for (Receipt.Log l : disputeLogs(id)) {
            if (EV_CHAIN_POSTED.equals(l.topic0())) return java.util.Optional.of(DisputeGame.getChainPostedEventFromLog(web3Log(l)).leaves);
        }
        return java.util.Optional.empty();
    }

    /** Every dispute ever opened on task {@code taskId}, in order (DisputeOpened events). */
    public List<Long> disputesOf(long taskId) {
        List<Long> out = new ArrayList<>();
        String topic = Numeric.toHexStringWithPrefixZeroPadded(BigInteger.valueOf(taskId), 64);
        for (Receipt.Log l : chain.logs(game, EV_OPENED, deployBlock, chain.blockNumber())) {
            if (l.topics().get(2).equalsIgnoreCase(topic)) out.add(DisputeGame.getDisputeOpenedEventFromLog(web3Log(l)).disputeId.longValueExact());
        }
        return out;
    }

    /** How many disputes of the task are open (TaskMarket.openDisputesOf). */
    public long openDisputes(long taskId) {
        return call(marketAs(deployer).openDisputesOf(big(taskId))).longValueExact();
    }

    /**
     * One proof for the neighbouring leaves {@code index} and {@code index + 1} from their two proofs (sibling lists
     * from level 0 up), as MerkleSha256.verifyPair reads it: A's siblings below the level where the paths meet, then
     * B's, then the shared path above.
     */
    public static List<byte[]> pairProof(List<byte[]> proofA, List<byte[]> proofB, long index) {
        if (proofA.size() != proofB.size()) {
            throw new IllegalArgumentException("proofs of one tree differ in depth: " + proofA.size() + " and " + proofB.size());
        }
        int meet = 64 - Long.numberOfLeadingZeros(index ^ (index + 1));
        List<byte[]> out = new ArrayList<>(proofA.subList(0, meet - 1));
        out.addAll(proofB.subList(0, meet - 1));
        out.addAll(proofA.subList(meet, proofA.size()));
        return out;
    }

    /**
     * The step a round-3 move disputes: segment leaves {@code k - 1} (agreed) and {@code k} (disputed), each the state
     * after its step and the root of the op trace that produced it, with one proof for both against the round-2 root
     * ({@link #pairProof}).
     */
    public record Step(long k, byte[] preState, byte[] preOpTrace, byte[] postState, byte[] postOpTrace, List<byte[]> proof) {
        /** From the two leaves' own proofs. */
        public static Step of(long k, byte[] preState, byte[] preOpTrace, List<byte[]> preProof, byte[] postState, byte[] postOpTrace,
                List<byte[]> postProof) {
            return new Step(k, preState, preOpTrace, postState, postOpTrace, pairProof(preProof, postProof, k - 1));
        }

        DisputeGame.Step toBinding() {
            return new DisputeGame.Step(big(k), preState, preOpTrace, postState, postOpTrace, proof);
        }
    }

    /** Round 3, element claim: the disputed step, and in it op {@code r.opIndex()} and one output element. */
    public Receipt round3(String challenger, long id, DisputeMoves.OpClaim r) {
        return send(challenger, "DisputeGame.disputeOp (round 3)", gameAs(challenger).disputeOp(big(id), state(id), r.step().toBinding(),
                big(r.opIndex()), r.graphRecord(), r.outputRoot(), big(r.outputElems()), r.opTraceProof(), big(r.element())));
    }

    public Receipt round4(String solver, long id, DisputeMoves.ChainPost r) {
        return send(solver, "DisputeGame.postElementChain (round 4)", gameAs(solver).postElementChain(big(id), state(id), r.chainRoot(),
                big(r.links()), r.chunk(), r.chunkProof(), r.resultLeaf(), r.resultProof()));
    }

    /** Round 5 without operand evidence: link (or result leaf) {@code t} of the chain, proven. */
    public Receipt round5(String challenger, long id, DisputeMoves.LinkPick r) {
        return round5(challenger, id, r.t(), r.leaf(), r.proof(), List.of());
    }

    /** An op-trace entry (0x60) with its proof against the disputed step's op-trace root. */
    public record OpEntry(long opIndex, byte[] graphLeafHash, byte[] outputRoot, long outputElems, List<byte[]> proof) {
        DisputeGame.OpEntry toBinding() {
            return new DisputeGame.OpEntry(big(opIndex), graphLeafHash, outputRoot, big(outputElems), proof);
        }

        static OpEntry none() {
            return new OpEntry(0, new byte[32], new byte[32], 0, List.of());
        }
    }

    /** A leaf of a tree of {@code n} leaves, with its proof (the root commits to n). */
    public record Leaf(byte[] data, long n, long index, List<byte[]> proof) {
        DisputeGame.Leaf toBinding() {
            return new DisputeGame.Leaf(data, big(n), big(index), proof);
        }

        /** The same leaf as TaskMarket's struct of that shape (the init claim's). */
        TaskMarket.ProvenLeaf toMarketBinding() {
            return new TaskMarket.ProvenLeaf(data, big(n), big(index), proof);
        }
    }

    /** Round-5 evidence that operand {@code operand} misquotes its source (an input element or an earlier link). */
    public record Evidence(int operand, byte[] graphRecord, OpEntry input, byte[] chunk, List<byte[]> chunkProof, byte[] link, List<byte[]> linkProof) {
        public static Evidence ofInput(int operand, byte[] graphRecord, OpEntry input, byte[] chunk, List<byte[]> chunkProof) {
            return new Evidence(operand, graphRecord, input, chunk, chunkProof, new byte[0], List.of());
        }

        public static Evidence ofLink(int operand, byte[] link, List<byte[]> linkProof) {
            return new Evidence(operand, new byte[0], OpEntry.none(), new byte[0], List.of(), link, linkProof);
        }

        DisputeGame.Evidence toBinding() {
            return new DisputeGame.Evidence(big(operand), graphRecord, input.toBinding(), chunk, chunkProof, link, linkProof);
        }
    }

    public Receipt round5(String challenger, long id, long t, byte[] leaf, List<byte[]> proof, List<Evidence> evidence) {
        return round5(challenger, id, t, leaf, proof, evidence, null);
    }

    /**
     * Round 5 with an optional structure bundle (null: none, the link is only recomputed): the game asks
     * StructureReferee whether the leaf is what the op prescribes at {@code t} (docs/referee.md, "Link structure").
     */
    public Receipt round5(String challenger, long id, long t, byte[] leaf, List<byte[]> proof, List<Evidence> evidence, Structure structure) {
        List<DisputeGame.Evidence> ev = new ArrayList<>();
        for (Evidence e : evidence) ev.add(e.toBinding());
        byte[] bundle = structure == null ? new byte[0] : structure.encode();
        return send(challenger, "DisputeGame.disputeLink (round 5)", gameAs(challenger).disputeLink(big(id), state(id), big(t), leaf, proof, ev,
                bundle));
    }

    /**
     * Where a data word of the structure check comes from (StructureReferee.Source): a chunk of input {@code number}
     * of the disputed op ({@link #ofInput}: its op-trace entry, the chunk, its proof, the element indices read from
     * it), link {@code number} of the chain ({@link #ofLink}: its 0x70 leaf and proof), or a link past the chain's end
     * ({@link #absentLink}).
     */
    public record Source(int kind, int number, OpEntry entry, byte[] chunk, List<byte[]> chunkProof, List<Integer> indices, byte[] link,
            List<byte[]> linkProof) {
        public Source {
            if (kind < 0 || kind > 2) {
                throw new IllegalArgumentException("source kind must be 0 (input chunk), 1 (link) or 2 (absent link), got " + kind);
            }
            if (kind == 0 && indices.isEmpty()) throw new IllegalArgumentException("an input chunk source needs at least one element index");
            chunkProof = List.copyOf(chunkProof);
            indices = List.copyOf(indices);
            linkProof = List.copyOf(linkProof);
        }

        public static Source ofInput(int input, OpEntry entry, byte[] chunk, List<byte[]> chunkProof, List<Integer> indices) {
            return new Source(0, input, entry, chunk, chunkProof, indices, new byte[0], List.of());
        }

        public static Source ofLink(int link, byte[] leaf, List<byte[]> proof) {
            return new Source(1, link, OpEntry.none(), new byte[0], List.of(), List.of(), leaf, proof);
        }

        /** Link {@code link} is past the chain's end (only when disputing the result leaf): a chain too short for its op. */
        public static Source absentLink(int link) {
            return new Source(2, link, OpEntry.none(), new byte[0], List.of(), List.of(), new byte[0], List.of());
        }

        DynamicStruct toAbi() {
            List<Uint32> idx = new ArrayList<>();
            for (int i : indices) idx.add(new Uint32(Integer.toUnsignedLong(i)));
            return new DynamicStruct(u8(kind), new Uint32(Integer.toUnsignedLong(number)), u64(entry.opIndex()),
                    b32(entry.graphLeafHash()), b32(entry.outputRoot()), u64(entry.outputElems()), b32s(entry.proof()), bytes(chunk), b32s(chunkProof),
                    new DynamicArray<>(Uint32.class, idx), bytes(link), b32s(linkProof));
        }
    }

    /**
     * The structure bundle of round 5 (StructureReferee.Bundle): the disputed op's 0x40 record (its input-shape trailer
     * gives the inputs' shapes) and the sources of the data words.
     */
    public record Structure(byte[] record, List<Source> sources) {
        public Structure {
            sources = List.copyOf(sources);
        }

        /** {@code abi.encode(Bundle)}. */
        public byte[] encode() {
            List<DynamicStruct> src = new ArrayList<>();
            for (Source x : sources) src.add(x.toAbi());
            DynamicStruct bundle = new DynamicStruct(bytes(record), new DynamicArray<>(DynamicStruct.class, src));
            return Abi.encodeArgs(bundle);
        }
    }

    /** Round 3, record claim in the disputed step {@code st}. */
    public Receipt claimRecord(String challenger, long id, Step st, OpEntry e, byte[] graphLeaf, List<byte[]> graphProof) {
        return send(challenger, "DisputeGame.claimRecord (round 3)", gameAs(challenger).claimRecord(big(id), state(id), st.toBinding(),
                e.toBinding(), graphLeaf, graphProof));
    }

    /** Round 3, source claim in the disputed step {@code st}. */
    public Receipt claimSource(String challenger, long id, Step st, OpEntry e, byte[] graphRecord, List<byte[]> graphProof, Leaf stateRecord) {
        return send(challenger, "DisputeGame.claimSource (round 3)", gameAs(challenger).claimSource(big(id), state(id), st.toBinding(),
                e.toBinding(), graphRecord, graphProof, stateRecord.toBinding()));
    }

    /**
     * Round 3, update claim in the disputed step {@code st}: op-trace entry {@code e}, the graph record of node
     * {@code e.opIndex} (its update list) and the disputed state's record.
     */
    public Receipt claimUpdate(String challenger, long id, Step st, OpEntry e, byte[] graphRecord, List<byte[]> graphProof, Leaf stateRecord) {
        return send(challenger, "DisputeGame.claimUpdate (round 3)", gameAs(challenger).claimUpdate(big(id), state(id), st.toBinding(),
                e.toBinding(), graphRecord, graphProof, stateRecord.toBinding()));
    }

    /**
     * The ends claim (round 3, kind 8): the op trace the solver posted for the segment's last step ({@code st}, leaf
     * {@code k = c}) is not {@code committed}, the op-trace root of its ends entry, proven by {@code endsProof} (its index:
     * the segment) against the task's ends root.
     */
    public Receipt claimEnds(String challenger, long id, Step st, byte[] committed, List<byte[]> endsProof) {
        return send(challenger, "DisputeGame.claimEnds (round 3)", gameAs(challenger).claimEnds(big(id), state(id), st.toBinding(), committed,
                endsProof));
    }

    /** The solver's ends root of task {@code taskId} (the op trace of every segment's last step). */
    public byte[] endsRootOf(long taskId) {
        return call(marketAs(deployer).endsRootOf(big(taskId)));
    }

    /**
     * Round 3, model claim (a dispute of the last segment, before a step is named): the model root's record
     * {@code modelRecord} is not the final state's record of the same name {@code stateRecord}.
     */
    public Receipt claimModel(String challenger, long id, Leaf modelRecord, Leaf stateRecord) {
        return send(challenger, "DisputeGame.claimModel (round 3)", gameAs(challenger).claimModel(big(id), state(id), modelRecord.toBinding(),
                stateRecord.toBinding()));
    }

    /**
     * The init claim ({@code TaskMarket.challengeInit}): the task's init root holds a tensor that its STATE node
     * ({@code node}, against the graph root) does not prescribe: {@code record} is that tensor's record in the init root,
     * {@code value} the chunk holding element {@code value.index * 256 + offset} (or, for a fine-tuned parameter, the
     * parent model's record of the same name).
     */
    public record InitClaim(Leaf node, Leaf record, Leaf value, int offset) {
        TaskMarket.Claim toBinding() {
            return new TaskMarket.Claim(node.toMarketBinding(), record.toMarketBinding(), value.toMarketBinding(), big(offset));
        }
    }

    public Receipt challengeInit(String challenger, long taskId, InitClaim c) {
        return send(challenger, "TaskMarket.challengeInit", marketAs(challenger).challengeInit(big(taskId), c.toBinding()));
    }

    /** The state root the task's checkpoint 0 must be. */
    public byte[] initRootOf(long taskId) {
        return call(marketAs(deployer).initRootOf(big(taskId)));
    }

    /** Round 3, scalars claim in the disputed step {@code st}. */
    public Receipt claimScalars(String challenger, long id, Step st, Leaf pre, Leaf post, byte[] gatherRecord, long gatherIndex,
            List<byte[]> gatherProof) {
        return send(challenger, "DisputeGame.claimScalars (round 3)", gameAs(challenger).claimScalars(big(id), state(id), st.toBinding(),
                pre.toBinding(), post.toBinding(), gatherRecord, big(gatherIndex), gatherProof));
    }

    public Receipt timeoutDispute(String who, long id) {
        return send(who, "DisputeGame.timeout", gameAs(who).timeout(big(id), state(id)));
    }

    // ------------------------------------------------------------------ registry

    public boolean modelRegistered(byte[] modelRoot) {
        return call(registryAs(deployer).exists(modelRoot));
    }

    /** A model zoo entry: ModelRegistry.Model under its model root. */
    public record ModelEntry(byte[] modelRoot, long taskId, byte[] specHash, byte[] traceRoot, byte[] parent, String solver, long registeredAt) {}

    /** The registry entry of {@code modelRoot}, or empty if the zoo has no such model. */
    public java.util.Optional<ModelEntry> model(byte[] modelRoot) {
        if (!modelRegistered(modelRoot)) return java.util.Optional.empty();
        var m = call(registryAs(deployer).get(modelRoot));
        return java.util.Optional.of(new ModelEntry(modelRoot.clone(), m.component1().longValueExact(), m.component2(), m.component3(),
                m.component4(), m.component5().toLowerCase(java.util.Locale.ROOT), m.component6().longValueExact()));
    }

    /**
     * Every zoo entry in order of first registration. The registry keeps no list (a mapping plus a count), so
     * the roots come from its ModelRegistered events and each entry is read back from its storage.
     */
    public List<ModelEntry> models() {
        List<ModelEntry> out = new ArrayList<>();
        // a root registers again when an earlier-posted task that produced it settles later (ModelRegistry): list it once
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Receipt.Log l : chain.logs(registry, EV_MODEL_REGISTERED, deployBlock, chain.blockNumber())) {
            byte[] root = ModelRegistry.getModelRegisteredEventFromLog(web3Log(l)).modelRoot;
            if (seen.add(Numeric.toHexString(root))) model(root).ifPresent(out::add);
        }
        return out;
    }

    /** Number of models in the zoo (ModelRegistry.count). */
    public long modelCount() {
        return call(registryAs(deployer).count()).longValueExact();
    }

    /**
     * One synthetic fma link {@code t}: result = fma(x, y, z) as a 0x70 leaf (docs/commitments.md):
     * x = element t of input 0, y = element t of input 1, z = link t-1's result (a constant 0 at t = 0).
     */
    public record Link(int opcode, long x, long y, long z, long result) {
        public byte[] leafBytes(long t) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(7 + 3 * 13 + 4).put(SyntheticDispute.TAG_LINK).putInt((int) t).put((byte) opcode).put((byte) 3);
            b.put(SyntheticDispute.OPERAND_INPUT).putInt(0).putInt((int) t).putInt((int) x);
            b.put(SyntheticDispute.OPERAND_INPUT).putInt(1).putInt((int) t).putInt((int) y);
            if (t == 0) b.put(SyntheticDispute.OPERAND_CONSTANT).putInt(0).putInt(0).putInt((int) z);
            else b.put(SyntheticDispute.OPERAND_LINK).putInt((int) t - 1).putInt(0).putInt((int) z);
            return b.putInt((int) result).array();
        }
    }
}
