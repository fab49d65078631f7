package dev.verity.chain;

import dev.verity.merkle.Sha256;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment file is how other processes find a network: it must round-trip exactly, a second
 * binding attached through it must see the same contracts (tasks, zoo), and a malformed, foreign
 * or stale file must fail with a message naming what is wrong.
 */
class DeploymentTest {
    @Test
    void roundTripsAndASecondBindingSeesTheSameTasks(@TempDir Path dir) throws Exception {
        try (EmbeddedChain chain = new EmbeddedChain()) {
            List<String> acc = chain.accounts();
            chain.send(acc.get(0), acc.get(5), new byte[0]); // some history before the contracts exist
            long head = chain.blockNumber();
            Verity first = Verity.deploy(chain, acc.get(0), acc.get(1), Verity.Config.defaults());
            Deployment d = first.deployment();
            assertEquals(head, d.deployBlock(), "history starts at the head before the first contract");
            Path file = dir.resolve("deployment.json");
            d.write(file);
            Deployment back = Deployment.read(file);
            assertEquals(d, back, "every field survives the file");
            assertEquals(first.market, back.market());
            assertEquals(d, Deployment.fromJson(back.toJson()));

            Verity second = Verity.attach(chain, back);
            assertEquals(0, second.taskCount());
            String submitter = acc.get(2);
            first.transfer(acc.get(0), submitter, Verity.ether(10_000));
            first.approve(submitter, first.market, Verity.ether(10_000));
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            PostParams spec = new PostParams(Sha256.hash("spec".getBytes()), Sha256.hash("data".getBytes()), Sha256.hash("graph".getBytes()),
                    new byte[32], Sha256.hash("init".getBytes()), PostParams.seedCommitment(secret), 10, 100, 10, 1000, Verity.ether(1), Verity.ether(100), Verity.ether(1000), 2, 3600,
                    86400, 3600, 86400);
            long id = first.post(submitter, spec);
            assertEquals(1, second.taskCount(), "the second binding sees the task the first posted");
            Verity.TaskView t = second.task(id);
            assertEquals(Verity.Status.BIDDING, t.status());
            assertEquals(submitter, t.submitter().toLowerCase());
            assertArrayEquals(spec.specHash(), t.spec().specHash());
            assertEquals(first.task(id).escrow(), t.escrow());
            assertEquals(d, second.deployment(), "the attached binding describes the same deployment");
            assertEquals(head, second.deployBlock);
        }
    }

    @Test
    void malformedForeignAndStaleFilesFailClearly(@TempDir Path dir) throws Exception {
        try (EmbeddedChain chain = new EmbeddedChain()) {
            List<String> acc = chain.accounts();
            Deployment d = Verity.deploy(chain, acc.get(0), acc.get(1), Verity.Config.defaults()).deployment();
            String json = new String(d.toJson());

            IOException notJson = assertThrows(IOException.class, () -> Deployment.fromJson("{\"chainId\": ".getBytes()));
            assertTrue(notJson.getMessage().startsWith("malformed deployment: "), notJson.getMessage());
            IOException missing = assertThrows(IOException.class, () -> Deployment.fromJson(json.replaceAll("\"game\" : \"0x[0-9a-f]+\",", "").getBytes()));
            assertTrue(missing.getMessage().contains("game"), missing.getMessage());
            IOException badAddress = assertThrows(IOException.class, () -> Deployment.fromJson(json.replace(d.token(), "0x1234").getBytes()));
            assertTrue(badAddress.getMessage().contains("token must be a 0x-prefixed 20-byte hex address, got '0x1234'"), badAddress.getMessage());
            IOException negative = assertThrows(IOException.class,
                    () -> Deployment.fromJson(json.replaceAll("\"deployBlock\" : [0-9]+", "\"deployBlock\" : -1").getBytes()));
            assertTrue(negative.getMessage().contains("deployBlock must be >= 0"), negative.getMessage());
            IOException unknown = assertThrows(IOException.class, () -> Deployment.fromJson(json.replace("{", "{\"extra\": 1,").getBytes()));
            assertTrue(unknown.getMessage().contains("extra"), unknown.getMessage());

            Deployment foreign = Deployment.fromJson(json.replace("\"chainId\" : 31337", "\"chainId\" : 1").getBytes());
            IllegalArgumentException wrongChain = assertThrows(IllegalArgumentException.class, () -> Verity.attach(chain, foreign));
            assertEquals("deployment is for chain id 1, this chain is 31337", wrongChain.getMessage());

            // the same file against a fresh chain (restarted dev node): no contracts at those addresses
            try (EmbeddedChain fresh = new EmbeddedChain()) {
                IllegalArgumentException stale = assertThrows(IllegalArgumentException.class, () -> Verity.attach(fresh, d));
                assertTrue(stale.getMessage().startsWith("deployment does not match the contracts on this chain"), stale.getMessage());
            }
            // parameters that differ from the contracts' own
            Deployment other0 = Verity.deploy(chain, acc.get(0), acc.get(1), Verity.Config.defaults()).deployment();
            Deployment otherDelay = Deployment.fromJson(json.replace("\"unbondingDelay\" : " + d.unbondingDelay(),
                    "\"unbondingDelay\" : " + (d.unbondingDelay() + 1)).getBytes());
            IllegalArgumentException delay = assertThrows(IllegalArgumentException.class, () -> Verity.attach(chain, otherDelay));
            assertTrue(delay.getMessage().contains("has another unbonding delay"), delay.getMessage());
            // the rules' contract is the market's own
            Deployment otherParams = Deployment.fromJson(json.replace(d.params(), other0.params()).getBytes());
            IllegalArgumentException params = assertThrows(IllegalArgumentException.class, () -> Verity.attach(chain, otherParams));
            assertTrue(params.getMessage().contains(".params() is " + d.params()), params.getMessage());
            // an address that holds another contract's code (here the market's where the game should be)
            Deployment swapped = Deployment.fromJson(json.replace("\"game\" : \"" + d.game() + "\"", "\"game\" : \"" + d.market() + "\"").getBytes());
            IllegalArgumentException code = assertThrows(IllegalArgumentException.class, () -> Verity.attach(chain, swapped));
            assertTrue(code.getMessage().contains(d.market() + " does not hold DisputeGame's code"), code.getMessage());
            // the right code, but not wired to this deployment: another deployment's registry
            Deployment other = Verity.deploy(chain, acc.get(0), acc.get(1), Verity.Config.defaults()).deployment();
            Deployment rewired = Deployment.fromJson(json.replace(d.registry(), other.registry()).getBytes());
            IllegalArgumentException wiring = assertThrows(IllegalArgumentException.class, () -> Verity.attach(chain, rewired));
            assertTrue(wiring.getMessage().contains(".registry() is " + d.registry() + ", the deployment says " + other.registry()), wiring.getMessage());
            // a test referee (it rules the same way whatever the link) is refused, whatever its code
            Deployment rigged = Verity.deploy(chain, acc.get(0), acc.get(1), Verity.Config.defaults().withReferee("AlwaysDefenderReferee")).deployment();
            IllegalArgumentException referee = assertThrows(IllegalArgumentException.class, () -> Verity.attach(chain, rigged));
            assertTrue(referee.getMessage().startsWith("deployment uses referee AlwaysDefenderReferee, which is not one of Verity's referees"),
                    referee.getMessage());
            // the real referee's name over a test referee's code
            Deployment disguised = Deployment.fromJson(json.replace(d.referee(), rigged.referee()).getBytes());
            IllegalArgumentException disguise = assertThrows(IllegalArgumentException.class, () -> Verity.attach(chain, disguised));
            assertTrue(disguise.getMessage().contains(rigged.referee() + " does not hold BasicOpReferee's code"), disguise.getMessage());
        }
    }
}
