package dev.verity.proof.dispute;

import dev.verity.tensor.Tensor;
import dev.verity.tensor.elementchain.Link;
import dev.verity.tensor.elementchain.Operand;
import java.util.List;

/**
 * One message per round of the dispute (docs/architecture.md, section 3, step 6; docs/dispute-protocol.md). Roots are what goes on
 * chain; the tensors and lists beside them are the data the poster must make available (served
 * from its blob store), against which every later proof is checked.
 */
public final class Messages {
    private Messages() {
    }

    /** Round 1 (challenger): the segment whose replay did not reach the next checkpoint. */
    public record OpenDispute(int segment) {
    }

    /**
     * Round 2 (defender): the state roots after each step of the segment (first = checkpoint i, last = checkpoint
     * i+1) and, for every step, the root of its op trace ({@code opTraceRoots.get(k)}: the step from state k-1 to
     * state k; entry 0 is 32 zero bytes); {@code root} is over the 0x51 entries.
     */
    public record SegmentRoots(long firstStep, List<byte[]> stateRoots, List<byte[]> opTraceRoots, byte[] root) {
        public SegmentRoots {
            if (stateRoots.size() != opTraceRoots.size()) {
                throw new IllegalArgumentException(stateRoots.size() + " state roots but " + opTraceRoots.size() + " op-trace roots");
            }
            stateRoots = List.copyOf(stateRoots);
            opTraceRoots = List.copyOf(opTraceRoots);
        }
    }

    /** Round 3 (challenger), first half: agrees with the state after {@code agreedStep} steps, disputes the next one. */
    public record DisputeStep(long agreedStep) {
    }

    /**
     * Data the defender serves for round 3 (committed in round 2): every node's output (tensor root, and the tensor
     * itself) when it ran step {@code agreedStep} from the agreed state; root over the 0x60 entries.
     */
    public record OpTrace(long agreedStep, List<byte[]> recordHashes, List<byte[]> outputRoots, List<Tensor> outputs,
                          byte[] root) {
    }

    /** Round 3 (challenger), second half: what it claims is wrong in the disputed step's op trace. */
    public sealed interface Claim permits RecordClaim, SourceClaim, UpdateClaim, ScalarsClaim, ElementClaim {
    }

    /** The op trace's record hash for this node is not the graph's. */
    public record RecordClaim(int node) implements Claim {
    }

    /** A STATE or INPUT node's output is not the agreed state's tensor (or the dataset's, or the step). */
    public record SourceClaim(int node) implements Claim {
    }

    /**
     * Node {@code node}, which holds state tensor {@code name} after the step (the graph record's update
     * list says so), does not match the disputed state's tensor of that name.
     */
    public record UpdateClaim(String name, int node) implements Claim {
    }

    /** The disputed state's scalars (step, data cursor, RNG counter) are not the agreed ones advanced by one step. */
    public record ScalarsClaim() implements Claim {
    }

    /** The challenger agrees with the node's inputs and disputes output element {@code element}. */
    public record ElementClaim(int node, int element) implements Claim {
    }

    /** Round 4 (defender): the element's chain of basic operations and its result, with their root (0x70/0x71 leaves). */
    public record ElementChainMsg(List<Link> links, Operand result, byte[] root) {
    }

    /**
     * Round 5 (challenger): the first wrong link ({@code link == links.size()} disputes the result leaf). With
     * {@code structure}, the challenger also asks the referee whether the link (or the result leaf and the chain's
     * length) is the one the op prescribes there, not only whether it recomputes (docs/referee.md, "Link structure").
     */
    public record DisputeLink(int link, boolean structure) {
        public DisputeLink(int link) {
            this(link, false);
        }
    }
}
