package dev.verity.chain;

import static dev.verity.chain.Abi.addr;
import static dev.verity.chain.Abi.b32;
import static dev.verity.chain.Abi.u256;
import static dev.verity.chain.Abi.u8;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.verity.chain.bindings.ProtocolParams;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * Typed bindings for a deployment's governance: VerityToken's delegation, VerityGovernor's proposals and votes,
 * VerityTimelock's queue, and ProtocolParams' rules. Each move that would fail on chain (too few votes to propose, a
 * rule out of range, a vote before it opens or after it closes, a queue before the proposal passed, an execution before
 * the timelock releases it) is refused first with a {@link GovernanceException} that says why and what to do; the
 * {@code *Unchecked} forms send anyway, so tests can show the contracts refuse them too.
 */
public final class Governance {
    public static final byte[] DEFAULT_ADMIN_ROLE = new byte[32];
    public static final byte[] PROPOSER_ROLE = Hash.sha3("PROPOSER_ROLE".getBytes(StandardCharsets.US_ASCII));
    public static final byte[] EXECUTOR_ROLE = Hash.sha3("EXECUTOR_ROLE".getBytes(StandardCharsets.US_ASCII));
    public static final byte[] CANCELLER_ROLE = Hash.sha3("CANCELLER_ROLE".getBytes(StandardCharsets.US_ASCII));

    /** A proposal's state; the code is what the governor's {@code state(uint256)} returns (OpenZeppelin's {@code IGovernor.ProposalState}). */
    public enum ProposalState {
        PENDING(0), ACTIVE(1), CANCELED(2), DEFEATED(3), SUCCEEDED(4), QUEUED(5), EXPIRED(6), EXECUTED(7);

        /** The member's number in {@code IGovernor.ProposalState}: on the wire, never the ordinal. */
        public final int code;

        ProposalState(int code) {
            this.code = code;
        }

        public static ProposalState ofCode(int code) {
            for (ProposalState s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            throw new IllegalStateException("unknown proposal state " + code);
        }

        /** As OpenZeppelin names it: "Pending", "Defeated", ... */
        public String label() {
            return name().charAt(0) + name().substring(1).toLowerCase(Locale.ROOT);
        }
    }

    /** GovernorCountingSimple's vote types, in its order. */
    /** A vote, with the code OpenZeppelin's GovernorCountingSimple takes on the wire (never the declaration order). */
    public enum Support {
        AGAINST(0), FOR(1), ABSTAIN(2);

        private final int code;

        Support(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    /** A move that cannot succeed now: the message says why and what to do instead. */
    public static final class GovernanceException extends IllegalStateException {
        public GovernanceException(String message) {
            super(message);
        }
    }

    /** A proposal as ProposalCreated recorded it: the calls the timelock will make, and the description they are hashed with. */
    public record Proposal(BigInteger id, String proposer, List<String> targets, List<BigInteger> values, List<byte[]> calldatas,
            String description, long voteStart, long voteEnd) {
        public byte[] descriptionHash() {
            return Hash.sha3(description.getBytes(StandardCharsets.UTF_8));
        }

        /** The rules a single ProtocolParams.setRules call would set, if that is what this proposal is. */
        public Optional<TaskRules> setRules(String params) {
            if (targets.size() != 1 || !targets.get(0).equalsIgnoreCase(params)) return Optional.empty();
            return rulesIn(calldatas.get(0));
        }

        /** The referee and structure referee a single ProtocolParams.adoptReferees call would adopt, if that is what this is. */
        public Optional<List<String>> adoptsReferees(String params) {
            if (targets.size() != 1 || !targets.get(0).equalsIgnoreCase(params)) return Optional.empty();
            byte[] c = calldatas.get(0);
            if (c.length != 4 + 3 * 32 || !java.util.Arrays.equals(java.util.Arrays.copyOf(c, 4), ADOPT_REFEREES)) return Optional.empty();
            byte[] args = java.util.Arrays.copyOfRange(c, 4, c.length);
            long replaces;
            try {
                replaces = Abi.word(args, 0).longValueExact();
            } catch (ArithmeticException tooWide) {
                return Optional.empty();
            }
            String referee = Abi.wordAddress(args, 1).toLowerCase(Locale.ROOT);
            String structure = Abi.wordAddress(args, 2).toLowerCase(Locale.ROOT);
            // words with high bits set would be shown as other addresses than the call (which reverts) holds: encode back
            if (replaces > 0xffffffffL || !java.util.Arrays.equals(adoptRefereesCall((int) replaces, referee, structure), c)) return Optional.empty();
            return Optional.of(List.of(referee, structure));
        }
    }

    /** Votes cast, in wei of VRT. */
    public record Tally(BigInteger against, BigInteger forVotes, BigInteger abstain) {}

    /**
     * A proposal's state and figures: the vote counts votes delegated at {@code snapshot} and is open from the block after it
     * to {@code deadline} included; {@code quorum} (null while the snapshot block is still to come) is what for plus abstain
     * must reach; {@code eta} (0 until queued) is when the timelock lets it execute, in seconds.
     */
    public record Status(BigInteger id, ProposalState state, long snapshot, long deadline, long eta, Tally tally, BigInteger quorum) {
        /** Why a finished vote did not pass, in figures. */
        public String outcome() {
            String votes = "for " + vrt(tally.forVotes()) + ", against " + vrt(tally.against()) + ", abstain " + vrt(tally.abstain());
            if (quorum == null) return votes;
            BigInteger counted = tally.forVotes().add(tally.abstain());
            String q = "quorum " + vrt(quorum) + (counted.compareTo(quorum) >= 0 ? " reached" : " not reached (for + abstain is " + vrt(counted) + ")");
            String majority = tally.forVotes().compareTo(tally.against()) > 0 ? "more for than against" : "not more for than against";
            return votes + "; " + q + ", " + majority;
        }
    }

    /** The calldata of ProtocolParams.setRules(next), as the generated wrapper encodes it. */
    static byte[] setRulesData(TaskRules next) {
        return Numeric.hexStringToByteArray(FunctionEncoder.encode(
                new Function(ProtocolParams.FUNC_SETRULES, List.<Type>of(Verity.rulesAbi(next)), List.of())));
    }

    /** The ProtocolParams.Rules argument of setRules calldata, decoded as the generated struct. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    static ProtocolParams.Rules decodeRules(byte[] setRulesData) {
        List<Type> out = FunctionReturnDecoder.decode(Numeric.toHexString(setRulesData, 4, setRulesData.length - 4, true),
                List.<TypeReference<Type>>of((TypeReference) new TypeReference<ProtocolParams.Rules>() {}));
        return (ProtocolParams.Rules) out.get(0);
    }

    static final byte[] SET_RULES = java.util.Arrays.copyOf(setRulesData(TaskRules.defaults()), 4);

    /**
     * The rules {@code data} would set if it is a ProtocolParams.setRules call that can execute: empty for other calldata,
     * for rules out of ProtocolParams's bounds and for a word past its field's width (the generated decoder keeps its low
     * bits where Solidity's reverts, so the decoded rules must encode back to the very calldata).
     */
    static Optional<TaskRules> rulesIn(byte[] data) {
        if (data.length != 4 + TaskRules.NAMES.size() * 32 || !java.util.Arrays.equals(java.util.Arrays.copyOf(data, 4), SET_RULES)) return Optional.empty();
        try {
            TaskRules r = Verity.rulesOf(decodeRules(data));
            return java.util.Arrays.equals(setRulesData(r), data) ? Optional.of(r) : Optional.empty();
        } catch (IllegalArgumentException | ArithmeticException | UnsupportedOperationException e) {
            return Optional.empty(); // rules ProtocolParams would refuse: such a proposal cannot execute
        }
    }
    private static final String PROPOSAL_CREATED =
            Abi.eventTopic("ProposalCreated(uint256,address,address[],uint256[],string[],bytes[],uint256,uint256,string)");
    private static final String ARRAYS = "(address[],uint256[],bytes[],bytes32)";

    private final Verity v;

    public Governance(Verity v) {
        this.v = v;
    }

    // ------------------------------------------------------------------ votes

    /** Gives {@code holder}'s voting power (its whole balance, now and as it changes) to {@code delegatee}, itself included. */
    public Receipt delegate(String holder, String delegatee) {
        return v.tx(holder, v.token, "VerityToken.delegate", "delegate(address)", addr(delegatee));
    }

    /** Whom {@code account} delegates to (the zero address if it never delegated: then its tokens count for no one). */
    public String delegates(String account) {
        return Abi.wordAddress(v.view(v.token, "delegates(address)", addr(account)), 0).toLowerCase(Locale.ROOT);
    }

    /** The votes delegated to {@code account} now. */
    public BigInteger votes(String account) {
        return Abi.word(v.view(v.token, "getVotes(address)", addr(account)), 0);
    }

    /** The votes delegated to {@code account} at the end of block {@code block} (an earlier block than the clock). */
    public BigInteger pastVotes(String account, long block) {
        return Abi.word(v.view(v.token, "getPastVotes(address,uint256)", addr(account), u256(block)), 0);
    }

    /**
     * The governor's clock as a view sees it. Nodes differ: the embedded chain evaluates a view in the next block, Hardhat
     * in the latest one; the checks below use {@link #nextBlock} instead, the block a transaction sent now lands in at
     * the earliest.
     */
    public long clock() {
        return Abi.wordLong(v.view(v.governor, "clock()"), 0);
    }

    /** The earliest block a transaction sent now is mined in. */
    public long nextBlock() {
        return v.chain.blockNumber() + 1;
    }

    public BigInteger proposalThreshold() {
        return Abi.word(v.view(v.governor, "proposalThreshold()"), 0);
    }

    public long votingDelay() {
        return Abi.wordLong(v.view(v.governor, "votingDelay()"), 0);
    }

    public long votingPeriod() {
        return Abi.wordLong(v.view(v.governor, "votingPeriod()"), 0);
    }

    /** The quorum's share of the supply, in percent. */
    public long quorumPercent() {
        return Abi.wordLong(v.view(v.governor, "quorumNumerator()"), 0) * 100 / Abi.wordLong(v.view(v.governor, "quorumDenominator()"), 0);
    }

    /** The timelock's delay between queue and execution, seconds. */
    public long timelockDelay() {
        return Abi.wordLong(v.view(v.timelock, "getMinDelay()"), 0);
    }

    public boolean hasRole(byte[] role, String account) {
        return Abi.wordBool(v.view(v.timelock, "hasRole(bytes32,address)", b32(role), addr(account)), 0);
    }

    // ------------------------------------------------------------------ rules

    /** The rules a task posted now is held to. */
    public TaskRules rules() {
        return v.rules();
    }

    /** Each rule's bounds [min, max] as ProtocolParams' constants set them, in {@link TaskRules#NAMES} order. */
    public Map<String, BigInteger[]> bounds() {
        Map<String, BigInteger[]> b = new LinkedHashMap<>();
        b.put("seatStake", new BigInteger[] {BigInteger.ONE, BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE)});
        b.put("feeBps", new BigInteger[] {BigInteger.ZERO, constant("MAX_FEE_BPS")});
        b.put("minStakeBps", new BigInteger[] {constant("MIN_SOLVER_STAKE_BPS"), constant("MAX_SOLVER_STAKE_BPS")});
        b.put("replayFeeFloorBps", new BigInteger[] {BigInteger.ZERO, constant("MAX_REPLAY_FEE_FLOOR_BPS")});
        b.put("jackpotShareBps", new BigInteger[] {BigInteger.ZERO, constant("BPS")});
        b.put("forcedErrorPpm", new BigInteger[] {BigInteger.ZERO, constant("MAX_FORCED_ERROR_PPM")});
        BigInteger set = BigInteger.valueOf(rules().refereeSet()); // only a referee upgrade (adoptReferees) moves it
        b.put("refereeSet", new BigInteger[] {set, set});
        b.put("challengeBond", new BigInteger[] {BigInteger.ONE, BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE)});
        b.put("roundTimeout", new BigInteger[] {constant("MIN_WINDOW"), constant("MAX_WINDOW")});
        return b;
    }

    private BigInteger constant(String name) {
        return Abi.word(v.view(v.params, name + "()"), 0);
    }

    private static final Pattern OUT_OF_RANGE = Pattern.compile("RuleOutOfRange\\(\"(\\w+)\", (\\d+), (\\d+), (\\d+)\\)");

    /**
     * Refuses rules ProtocolParams would refuse, by asking it: a setRules call simulated as its owner, the timelock, so
     * the check is the contract's own and a proposal that would pass the vote and then fail at execution is never made.
     */
    public void checkRules(TaskRules next) {
        checkSetRules(setRulesCall(next));
    }

    /** As {@link #checkRules}, for a setRules call already encoded (one a proposal holds). */
    public void checkSetRules(byte[] setRulesCall) {
        try {
            v.chain.call(v.timelock, v.params, setRulesCall);
        } catch (Chain.RevertException e) {
            Matcher m = OUT_OF_RANGE.matcher(String.valueOf(e.reason()));
            if (m.find()) {
                throw new GovernanceException("rule out of range: " + m.group(1) + " = " + m.group(2) + ", ProtocolParams allows [" + m.group(3)
                        + ", " + m.group(4) + "]; a proposal with it would fail when executed");
            }
            throw new GovernanceException("ProtocolParams refuses these rules: " + e.getMessage());
        }
    }

    /** The calldata of ProtocolParams.setRules(next). */
    public byte[] setRulesCall(TaskRules next) {
        return setRulesData(next);
    }

    // ------------------------------------------------------------------ proposals

    /**
     * Proposes that ProtocolParams' rules become {@code next}; returns the proposal id. Refused first if the rules are out
     * of range, the proposer's votes (at the last block) are below the threshold, or the same proposal exists.
     */
    public BigInteger proposeRules(String proposer, TaskRules next, String description) {
        checkDescription(description);
        checkRules(next);
        return propose(proposer, setRulesCall(next), description);
    }

    /**
     * Proposes a referee upgrade: ProtocolParams.adoptReferees(referee, structureReferee), which adds the set and makes it
     * the rules' for tasks posted after the proposal executes (running tasks keep theirs). Refused first if either address
     * holds no contract (the structure referee may be the zero address: links are then only recomputed), or as
     * {@link #proposeRules} refuses.
     */
    public BigInteger proposeReferees(String proposer, String referee, String structureReferee, String description) {
        checkDescription(description);
        if (referee == null || structureReferee == null) {
            throw new GovernanceException("a referee upgrade names its referee and its structure referee (0x0…0 for none)");
        }
        if (!referee.matches("0x[0-9a-fA-F]{40}") || v.chain.code(referee).length == 0) {
            throw new GovernanceException("referee " + referee + " is not a contract on this chain: deploy it first");
        }
        boolean none = structureReferee.matches("0x0{40}");
        if (!structureReferee.matches("0x[0-9a-fA-F]{40}") || (!none && v.chain.code(structureReferee).length == 0)) {
            throw new GovernanceException("structure referee " + structureReferee + " is not a contract on this chain (0x0…0 for none)");
        }
        // names the set it replaces: executed after another upgrade, it fails instead of undoing that one
        return propose(proposer, adoptRefereesCall(rules().refereeSet(), referee, structureReferee), description);
    }

    /** The calldata of ProtocolParams.adoptReferees(replaces, referee, structureReferee). */
    public static byte[] adoptRefereesCall(int replaces, String referee, String structureReferee) {
        return Abi.call("adoptReferees(uint32,address,address)", Abi.u32(Integer.toUnsignedLong(replaces)), Abi.addr(referee), Abi.addr(structureReferee));
    }

    static final byte[] ADOPT_REFEREES = java.util.Arrays.copyOf(adoptRefereesCall(0, "0x" + "0".repeat(40), "0x" + "0".repeat(40)), 4);

    /** The referee sets ProtocolParams holds, by id: each its referee and its structure referee. */
    public List<List<String>> refereeSets() {
        List<List<String>> out = new ArrayList<>();
        long n = Abi.word(v.view(v.params, "refereeSets()"), 0).longValueExact();
        for (long i = 0; i < n; i++) {
            byte[] set = v.view(v.params, "refereesOf(uint32)", Abi.u32(i));
            out.add(List.of(Abi.wordAddress(set, 0).toLowerCase(Locale.ROOT), Abi.wordAddress(set, 1).toLowerCase(Locale.ROOT)));
        }
        return out;
    }

    private static void checkDescription(String description) {
        if (description == null || description.isBlank()) {
            throw new GovernanceException("a proposal needs a description (it says why, and tells two proposals of the same rules apart)");
        }
    }

    /** One call to ProtocolParams, proposed once the proposer's votes and the proposal's novelty are checked. */
    private BigInteger propose(String proposer, byte[] call, String description) {
        // the governor counts the proposer's votes at the block before its own: at the earliest the latest block, whose
        // votes are the current ones
        BigInteger has = votes(proposer);
        BigInteger threshold = proposalThreshold();
        if (has.compareTo(threshold) < 0) {
            BigInteger balance = v.balanceOf(proposer);
            String who = delegates(proposer);
            String hint = balance.compareTo(threshold) >= 0 && !who.equals(proposer.toLowerCase(Locale.ROOT))
                    ? " It holds " + vrt(balance) + ": delegate to itself first (verity gov delegate), then propose from the next block."
                    : " Holders must delegate at least that much to it first (verity gov delegate " + proposer + "), then it can propose from the next block.";
            throw new GovernanceException("proposer " + proposer + " has " + vrt(has) + " of votes, the proposal threshold is " + vrt(threshold)
                    + "; votes count only once delegated." + hint);
        }
        BigInteger id = hashProposal(List.of(v.params), List.of(BigInteger.ZERO), List.of(call), description);
        if (Abi.word(v.view(v.governor, "proposalSnapshot(uint256)", u256(id)), 0).signum() != 0) {
            throw new GovernanceException("the same proposal exists already (id " + id + ", " + state(id).label() + "); change the description to propose again");
        }
        return proposeUnchecked(proposer, List.of(v.params), List.of(BigInteger.ZERO), List.of(call), description);
    }

    /** Sends a proposal as given (the governor's own checks only); returns its id. */
    public BigInteger proposeUnchecked(String proposer, List<String> targets, List<BigInteger> values, List<byte[]> calldatas, String description) {
        Type<?>[] a = arrays(targets, values, calldatas);
        Receipt r = v.tx(proposer, v.governor, "VerityGovernor.propose", "propose(address[],uint256[],bytes[],string)", a[0], a[1], a[2],
                new Utf8String(description));
        for (Receipt.Log l : r.logs()) {
            if (l.address().equalsIgnoreCase(v.governor) && PROPOSAL_CREATED.equals(l.topic0())) return Abi.word(l.data(), 0);
        }
        throw new IllegalStateException("propose emitted no ProposalCreated event");
    }

    /** The id the governor gives these calls with this description. */
    public BigInteger hashProposal(List<String> targets, List<BigInteger> values, List<byte[]> calldatas, String description) {
        Type<?>[] a = arrays(targets, values, calldatas);
        return Abi.word(v.view(v.governor, "hashProposal(address[],uint256[],bytes[],bytes32)", a[0], a[1], a[2],
                b32(Hash.sha3(description.getBytes(StandardCharsets.UTF_8)))), 0);
    }

    private static Type<?>[] arrays(List<String> targets, List<BigInteger> values, List<byte[]> calldatas) {
        List<Address> t = new ArrayList<>();
        for (String s : targets) t.add(new Address(s));
        List<Uint256> vs = new ArrayList<>();
        for (BigInteger x : values) vs.add(new Uint256(x));
        List<DynamicBytes> c = new ArrayList<>();
        for (byte[] b : calldatas) c.add(new DynamicBytes(b));
        return new Type<?>[] {new DynamicArray<>(Address.class, t), new DynamicArray<>(Uint256.class, vs), new DynamicArray<>(DynamicBytes.class, c)};
    }

    /** Every proposal made to this deployment's governor, oldest first. */
    public List<Proposal> proposals() {
        List<Proposal> out = new ArrayList<>();
        for (Receipt.Log l : v.chain.logs(v.governor, PROPOSAL_CREATED, v.deployBlock, v.chain.blockNumber())) out.add(decode(l.data()));
        return out;
    }

    /** The proposal {@code id}; an error if this governor has none of that id. */
    public Proposal proposal(BigInteger id) {
        for (Proposal p : proposals()) if (p.id().equals(id)) return p;
        throw new GovernanceException("no proposal " + id + " on governor " + v.governor + " (verity gov params lists the proposals)");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Proposal decode(byte[] data) {
        List<TypeReference<?>> refs = List.of(new TypeReference<Uint256>() {}, new TypeReference<Address>() {},
                new TypeReference<DynamicArray<Address>>() {}, new TypeReference<DynamicArray<Uint256>>() {},
                new TypeReference<DynamicArray<Utf8String>>() {}, new TypeReference<DynamicArray<DynamicBytes>>() {},
                new TypeReference<Uint256>() {}, new TypeReference<Uint256>() {}, new TypeReference<Utf8String>() {});
        List<Type> t = FunctionReturnDecoder.decode(Numeric.toHexString(data), (List) refs);
        List<String> targets = new ArrayList<>();
        for (Object a : ((DynamicArray<?>) t.get(2)).getValue()) targets.add(((Address) a).getValue().toLowerCase(Locale.ROOT));
        List<BigInteger> values = new ArrayList<>();
        for (Object x : ((DynamicArray<?>) t.get(3)).getValue()) values.add(((Uint256) x).getValue());
        List<byte[]> calldatas = new ArrayList<>();
        for (Object b : ((DynamicArray<?>) t.get(5)).getValue()) calldatas.add(((DynamicBytes) b).getValue());
        return new Proposal(((Uint256) t.get(0)).getValue(), ((Address) t.get(1)).getValue().toLowerCase(Locale.ROOT), List.copyOf(targets),
                List.copyOf(values), List.copyOf(calldatas), ((Utf8String) t.get(8)).getValue(), ((Uint256) t.get(6)).getValue().longValueExact(),
                ((Uint256) t.get(7)).getValue().longValueExact());
    }

    public ProposalState state(BigInteger id) {
        try {
            return ProposalState.ofCode(Abi.word(v.view(v.governor, "state(uint256)", u256(id)), 0).intValueExact());
        } catch (Chain.RevertException e) {
            throw new GovernanceException("no proposal " + id + " on governor " + v.governor + " (" + e.getMessage() + ")");
        }
    }

    public Tally tally(BigInteger id) {
        byte[] w = v.view(v.governor, "proposalVotes(uint256)", u256(id));
        return new Tally(Abi.word(w, 0), Abi.word(w, 1), Abi.word(w, 2));
    }

    public Status status(BigInteger id) {
        ProposalState s = state(id);
        long snapshot = Abi.wordLong(v.view(v.governor, "proposalSnapshot(uint256)", u256(id)), 0);
        long deadline = Abi.wordLong(v.view(v.governor, "proposalDeadline(uint256)", u256(id)), 0);
        long eta = Abi.wordLong(v.view(v.governor, "proposalEta(uint256)", u256(id)), 0);
        // the supply at a block still to come is unknown: the token refuses that lookup
        BigInteger quorum = snapshot < clock() ? Abi.word(v.view(v.governor, "quorum(uint256)", u256(snapshot)), 0) : null;
        return new Status(id, s, snapshot, deadline, eta, tally(id), quorum);
    }

    public boolean hasVoted(BigInteger id, String voter) {
        return Abi.wordBool(v.view(v.governor, "hasVoted(uint256,address)", u256(id), addr(voter)), 0);
    }

    /** Casts {@code voter}'s votes (those delegated to it at the snapshot); refused unless the vote is open and it has votes to cast. */
    public Receipt castVote(String voter, BigInteger id, Support support) {
        Status s = status(id);
        long next = nextBlock();
        boolean open = s.state() == ProposalState.PENDING || s.state() == ProposalState.ACTIVE;
        // as Governor.state decides it, for the block the vote would be mined in
        if (open && next <= s.snapshot()) {
            throw new GovernanceException("voting on proposal " + id + " is not open yet: it opens at block " + (s.snapshot() + 1)
                    + " (the next block is " + next + ", " + (s.snapshot() + 1 - next) + " blocks to go)");
        }
        if (!open || next > s.deadline()) {
            throw new GovernanceException("voting on proposal " + id + " closed at block " + s.deadline() + "; it is "
                    + (open ? "over" : s.state().label()) + " (" + s.outcome() + ")" + nextStep(s));
        }
        if (hasVoted(id, voter)) throw new GovernanceException(voter + " has voted on proposal " + id + " already (a vote cannot be changed)");
        BigInteger weight = s.snapshot() < clock() ? pastVotes(voter, s.snapshot()) : votes(voter);
        if (weight.signum() == 0) {
            throw new GovernanceException(voter + " had no votes delegated to it at block " + s.snapshot() + ", the proposal's snapshot, so its vote "
                    + "would count nothing; delegate (verity gov delegate) before the next proposal is made");
        }
        return castVoteUnchecked(voter, id, support);
    }

    public Receipt castVoteUnchecked(String voter, BigInteger id, Support support) {
        return v.tx(voter, v.governor, "VerityGovernor.castVote", "castVote(uint256,uint8)", u256(id), u8(support.code()));
    }

    /** Queues a passed proposal in the timelock; refused unless it is Succeeded. Returns the time it may execute (seconds). */
    public long queue(String who, BigInteger id) {
        Status s = status(id);
        if (s.state() != ProposalState.SUCCEEDED) {
            throw new GovernanceException("proposal " + id + " cannot be queued: it is " + s.state().label() + whyNot(s) + nextStep(s));
        }
        queueUnchecked(who, proposal(id));
        return Abi.wordLong(v.view(v.governor, "proposalEta(uint256)", u256(id)), 0);
    }

    public Receipt queueUnchecked(String who, Proposal p) {
        Type<?>[] a = arrays(p.targets(), p.values(), p.calldatas());
        return v.tx(who, v.governor, "VerityGovernor.queue", "queue" + ARRAYS, a[0], a[1], a[2], b32(p.descriptionHash()));
    }

    /** Executes a queued proposal once the timelock's delay has passed (anyone may); refused before that, saying when. */
    public Receipt execute(String who, BigInteger id) {
        Status s = status(id);
        if (s.state() != ProposalState.QUEUED) {
            throw new GovernanceException("proposal " + id + " cannot be executed: it is " + s.state().label() + whyNot(s) + nextStep(s));
        }
        long now = v.chain.timestamp();
        if (now < s.eta()) {
            throw new GovernanceException("proposal " + id + " is queued; the timelock releases it at " + java.time.Instant.ofEpochSecond(s.eta())
                    + " (unix " + s.eta() + ", in " + (s.eta() - now) + " s): execute it then");
        }
        return executeUnchecked(who, proposal(id));
    }

    public Receipt executeUnchecked(String who, Proposal p) {
        Type<?>[] a = arrays(p.targets(), p.values(), p.calldatas());
        return v.tx(who, v.governor, "VerityGovernor.execute", "execute" + ARRAYS, a[0], a[1], a[2], b32(p.descriptionHash()));
    }

    private String whyNot(Status s) {
        return switch (s.state()) {
            case PENDING -> " (voting opens at block " + (s.snapshot() + 1) + ", the next block is " + nextBlock() + ")";
            case ACTIVE -> " (voting is open until block " + s.deadline() + ", the next block is " + nextBlock() + ")";
            case DEFEATED -> " (" + s.outcome() + ")";
            case QUEUED -> " (executable from " + java.time.Instant.ofEpochSecond(s.eta()) + ")";
            default -> "";
        };
    }

    private static String nextStep(Status s) {
        return switch (s.state()) {
            case PENDING, ACTIVE -> "; wait for the vote to end, then queue it if it passed";
            case SUCCEEDED -> "; queue it next (verity gov queue)";
            case QUEUED -> "; execute it once the timelock releases it (verity gov execute)";
            case DEFEATED -> "; a defeated proposal is final: propose again, with enough votes delegated and cast";
            default -> "";
        };
    }

    /** {@code wei} as VRT (18 decimals, trailing zeros dropped). */
    public static String vrt(BigInteger wei) {
        return new BigDecimal(wei).movePointLeft(18).stripTrailingZeros().toPlainString() + " VRT";
    }
}
