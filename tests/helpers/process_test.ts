import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import {
  isRunning,
  PROCESS_SLOTS,
  processGroupMembers,
  processState,
  runProcess,
  runRtmpkit,
} from "../_process.ts";
import { waitFor } from "../_wait.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("runProcess captures stdout and stderr, feeds stdin and reports the exit code", async () => {
  const run = await runProcess("sh", ["-c", "cat; echo oops >&2; exit 4"], {
    stdin: new TextEncoder().encode("in"),
  });
  assertEquals([run.code, run.signal, run.timedOut, run.stderr], [4, null, false, "oops\n"]);
  assertEquals(text(run.stdout), "in");
  ok(run.durationMs >= 0);
});

Deno.test("runProcess kills a process group at its timeout, counted from the start", async () => {
  const run = await runProcess("sh", ["-c", "sleep 30 & sleep 30"], { timeoutMs: 300 });
  assertEquals([run.timedOut, run.signal, run.timeoutMs], [true, "SIGKILL", 300]);
  ok(run.durationMs >= 300, `killed after ${run.durationMs} ms, before its timeout`);
  ok(run.durationMs < 30_000, `killed after ${run.durationMs} ms: not at its timeout`);
});

Deno.test("runProcess keeps what a process wrote before it was killed", async () => {
  const run = await runProcess("sh", ["-c", "echo started; echo ready >&2; exec sleep 30"], {
    onSpawn: async (child, stderr) => {
      await waitFor(() => stderr().includes("ready"), "the ready line");
      child.kill("SIGKILL");
    },
  });
  assertEquals([run.signal, run.timedOut, text(run.stdout)], ["SIGKILL", false, "started\n"]);
});

Deno.test("runProcess kills what a process leaves behind instead of waiting for it", async () => {
  const run = await runProcess("sh", ["-c", "sleep 30 & echo $!; echo done >&2"]);
  assertEquals([run.code, run.timedOut, run.stderr], [0, false, "done\n"]);
  const leftover = Number(text(run.stdout).trim());
  ok(leftover > 0);
  // SIGKILL has been sent to the group; the kernel ends the process soon after.
  await waitFor(() => !isRunning(leftover), "the background sleep to end");
  const state = processState(leftover);
  ok(state === undefined || state === "Z", `background sleep still running (state ${state})`);
});

Deno.test("runProcess kills the group and rejects when onSpawn throws", async () => {
  let pid = 0;
  await rejects(
    runProcess("sh", ["-c", "exec sleep 30"], {
      onSpawn: (child) => {
        pid = child.pid;
        throw new Error("the test gave up");
      },
    }),
    { message: "the test gave up" },
  );
  ok(!isRunning(pid), `sleep still running (state ${processState(pid)})`);
});

Deno.test("runProcess runs at most PROCESS_SLOTS processes at once, the others wait their turn", async () => {
  let running = 0;
  let most = 0;
  const runs = Array.from(
    { length: PROCESS_SLOTS + 2 },
    () =>
      runProcess("sh", ["-c", "read line"], {
        stdin: "piped",
        onSpawn: async (child) => {
          running++;
          most = Math.max(most, running);
          // Holds its slot until every slot is taken (or, for the last ones, at once).
          await waitFor(() => running === PROCESS_SLOTS || most === PROCESS_SLOTS, "the slots");
          running--;
          const writer = child.stdin.getWriter();
          await writer.write(new TextEncoder().encode("go\n"));
          await writer.close();
        },
      }),
  );
  const results = await Promise.all(runs);
  assertEquals(results.map((r) => r.code), results.map(() => 0));
  assertEquals(most, PROCESS_SLOTS);
  ok(PROCESS_SLOTS >= 1 && PROCESS_SLOTS <= 2);
});

Deno.test("runRtmpkit runs cli.ts on Deno from the repository root", async () => {
  const run = await runRtmpkit(["--help"]);
  ok(run.stderr.startsWith("RTMPDump v2.4\n"), run.stderr.slice(0, 200));
});

Deno.test("processGroupMembers lists the running processes of a run's group", async () => {
  let pids: number[] = [];
  let expected: number[] = [];
  let group = 0;
  await runProcess("sh", ["-c", "sleep 30 & echo $!; wait"], {
    onSpawn: async (child, _stderr, stdout) => {
      await waitFor(() => text(stdout()).includes("\n"), "the background pid");
      group = child.pid;
      expected = [child.pid, Number(text(stdout()).trim())].sort();
      pids = processGroupMembers(child.pid).map((m) => Number(m.split(" ")[0])).sort();
      child.kill("SIGKILL"); // the rest of the group is killed when the run ends
    },
  });
  assertEquals(pids, expected);
  await waitFor(() => processGroupMembers(group).length === 0, "the group to end");
});
