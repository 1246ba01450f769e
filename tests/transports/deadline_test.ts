import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { startDeadline } from "../../transports/deadline.ts";

/** Far above any delay here, even on a busy machine. */
const NO_HANG_MS = 30_000;

function expiry(ms: number): Promise<void> {
  return new Promise((resolve) => startDeadline(ms, resolve));
}

Deno.test("startDeadline calls back after its delay, in order of expiry", async () => {
  const fired: number[] = [];
  const started = performance.now();
  const last = new Promise<void>((resolve) => {
    startDeadline(80, () => {
      fired.push(80);
      resolve();
    });
  });
  startDeadline(20, () => fired.push(20));
  startDeadline(0, () => fired.push(0));
  await last;
  assert(performance.now() - started >= 79, "the 80 ms deadline fired early");
  assertEquals(fired, [0, 20, 80]);
});

Deno.test("a cancelled deadline never calls back", async () => {
  let called = false;
  const deadline = startDeadline(10, () => (called = true));
  deadline.cancel();
  deadline.cancel();
  await expiry(60);
  assert(!called, "the cancelled deadline ran");
});

Deno.test("a deadline fires while a socket read waits", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const accepted = await listener.accept();
  try {
    const read = conn.read(new Uint8Array(16));
    const outcome = await Promise.race([read.then(() => "read"), expiry(50).then(() => "fired")]);
    assertEquals(outcome, "fired");
  } finally {
    conn.close();
    accepted.close();
    listener.close();
  }
});

/** Runs `code` in a fresh Deno with deadline.ts imported as `startDeadline`; its exit code. */
async function runWithDeadline(code: string): Promise<{ code: number; stderr: string }> {
  const module = new URL("../../transports/deadline.ts", import.meta.url).href;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", `import { startDeadline } from "${module}";\n${code}`],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill("SIGKILL");
  }, NO_HANG_MS);
  const status = await child.output();
  clearTimeout(timer);
  assert(!killed, `the process still ran after ${NO_HANG_MS / 1000} s`);
  return { code: status.code, stderr: new TextDecoder().decode(status.stderr) };
}

Deno.test("a pending deadline keeps the process alive until it fires", async () => {
  const { code, stderr } = await runWithDeadline(
    "startDeadline(50, () => Deno.exit(7));",
  );
  assertEquals(code, 7, stderr);
});

Deno.test("a cancelled deadline lets the process end", async () => {
  const { code, stderr } = await runWithDeadline(
    "startDeadline(600000, () => Deno.exit(7)).cancel();\n" +
      "const other = startDeadline(600000, () => Deno.exit(8));\n" +
      "startDeadline(10, () => other.cancel());",
  );
  assertEquals(code, 0, stderr);
});
