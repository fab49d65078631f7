package dev.verity.merkle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MerkleTreeTest {
    static List<byte[]> leaves(int n) {
        List<byte[]> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(ByteBuffer.allocate(5).put((byte) 0x50).putInt(i * 7919).array());
        }
        return l;
    }

    @Test
    void everyLeafOfEverySizeProvesAndNothingElseDoes() {
        for (int n = 1; n <= 40; n++) {
            List<byte[]> l = leaves(n);
            MerkleTree t = MerkleTree.ofLeaves(l);
            for (int i = 0; i < n; i++) {
                MerkleProof p = t.proof(i);
                assertTrue(p.verifies(t.root(), l.get(i)), "n=" + n + " i=" + i);
                byte[] other = l.get(i).clone();
                other[4] ^= 1;
                assertFalse(p.verifies(t.root(), other), "tampered leaf");
                assertFalse(new MerkleProof(n + 1, i, p.siblings()).verifies(t.root(), l.get(i)), "wrong count");
                if (n > 1) {
                    assertFalse(new MerkleProof(n, (i + 1) % n, p.siblings()).verifies(t.root(), l.get(i)), "wrong index");
                    byte[][] s = p.siblings();
                    s[0] = s[0].clone();
                    s[0][0] ^= 1;
                    assertFalse(new MerkleProof(n, i, s).verifies(t.root(), l.get(i)), "tampered sibling");
                }
            }
        }
    }

    @Test
    void rootCommitsToTheLeafCountAndFollowsTheSpec() {
        List<byte[]> l = leaves(3);
        MerkleTree t = MerkleTree.ofLeaves(l);
        // docs/commitments.md, by hand: pad to 4 with zero, inner nodes 0x01, root 0x02 || n || top
        byte[] h0 = Sha256.hash(new byte[] {0}, l.get(0));
        byte[] h1 = Sha256.hash(new byte[] {0}, l.get(1));
        byte[] h2 = Sha256.hash(new byte[] {0}, l.get(2));
        byte[] a = Sha256.hash(new byte[] {1}, h0, h1);
        byte[] b = Sha256.hash(new byte[] {1}, h2, new byte[32]);
        byte[] top = Sha256.hash(new byte[] {1}, a, b);
        byte[] root = Sha256.hash(new byte[] {2}, ByteBuffer.allocate(8).putLong(3).array(), top);
        assertArrayEquals(root, t.root());
        List<byte[]> four = new ArrayList<>(l);
        four.add(new byte[0]);
        assertFalse(java.util.Arrays.equals(t.root(), MerkleTree.ofLeaves(four).root()));
        assertArrayEquals(Sha256.hash(new byte[] {2}, new byte[8], new byte[32]), MerkleTree.ofLeaves(List.of()).root());
    }

    /** The list form the chain binding sends as calldata, and a page's path, agree with the proof records. */
    @Test
    void siblingListsAndPagePathsAreTheProofsOwn() {
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < 13; i++) {
            leaves.add(MerkleTree.leafHash(new byte[] {(byte) i, 7}));
        }
        MerkleTree t = MerkleTree.ofLeafHashes(leaves);
        for (int i = 0; i < 13; i++) {
            List<byte[]> sib = t.siblings(i);
            assertTrue(MerkleTree.verify(t.root(), 13, i, leaves.get(i), sib), "leaf " + i);
            assertFalse(MerkleTree.verify(t.root(), 13, (i + 1) % 13, leaves.get(i), sib), "leaf " + i + " elsewhere");
            assertFalse(MerkleTree.verify(t.root(), 14, i, leaves.get(i), sib), "leaf " + i + " of another count");
        }
        // page 1 of height 2 holds leaves 4..7: its path is leaf 4's proof above level 2
        List<byte[]> path = t.pagePath(1, 2);
        List<byte[]> four = t.siblings(4);
        assertTrue(path.size() == four.size() - 2);
        for (int l = 0; l < path.size(); l++) {
            assertArrayEquals(four.get(l + 2), path.get(l));
        }
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 1, 2}, Sha256.u64(258));
    }
}
