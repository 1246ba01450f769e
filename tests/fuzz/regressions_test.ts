import { AssertionError } from "node:assert";
import { hex } from "./_hex.ts";
import { Random } from "./_random.ts";
import { type FuzzTarget, targetNamed } from "./_targets.ts";

/**
 * Reproducers of defects found by hand and by fuzzing, each replayed through its target's
 * invariants with several run seeds (so with several of the options a target draws). Inputs
 * found by scripts/fuzz.ts are kept as files in regressions/TARGET/NAME-sSEED.bin and replayed
 * with their seed.
 */
const REPRODUCERS: readonly { target: string; name: string; input: () => Uint8Array }[] = [
  {
    target: "chunk",
    name: "a 16 MiB message declared again after every 128 bytes (allocation amplification)",
    input: () => repeat(hex("03 000000 ffffff 14 00000000"), 128, 300),
  },
  {
    target: "chunk",
    name: "Set Chunk Size 1, then a new 16 MiB message per 5 bytes",
    input: () => {
      const units = 2000;
      const bytes = new Uint8Array(29 + units * 5);
      bytes.set(hex("02 000000 000004 01 00000000 00000001"), 0);
      bytes.set(hex("03 000000 ffffff 09 00000000 00"), 16);
      for (let i = 0; i < units; i++) bytes.set([0x83, 0, 0, 0, i & 0xff], 29 + i * 5);
      return bytes;
    },
  },
  ...[
    "02 000000 000000 04 00000000",
    "02 000000 000002 04 00000000 0003",
    "02 000000 000000 05 00000000",
    "02 000000 000000 03 00000000",
    "02 000000 000003 06 00000000 002625",
  ].map((bytes) => ({
    target: "session-server",
    name: `a short control message (${bytes}) escaping as MessageError`,
    input: () => hex(bytes),
  })),
  {
    target: "amf0",
    name: "200 AMF0 levels around 200 AMF3 levels (could not be encoded again)",
    input: () =>
      Uint8Array.from([
        ...Array(200).fill([0x0a, 0, 0, 0, 1]).flat(),
        0x11,
        ...Array(200).fill([0x09, 0x03, 0x01]).flat(),
        0x01,
      ]),
  },
  {
    target: "amf0",
    name: "a 65,535-byte property name of invalid UTF-8 (could not be encoded again)",
    input: () =>
      Uint8Array.from([0x03, 0xff, 0xff, ...new Uint8Array(0xffff).fill(0xff), 0x05, 0, 0, 9]),
  },
  {
    target: "flv",
    name: "a tag header declaring 16 MiB before 100 bytes (allocation amplification)",
    input: () =>
      Uint8Array.from([
        ...hex("464c5601 01 00000009 00000000"),
        ...hex("09 ffffff 000000 00 000000"),
        ...new Uint8Array(100),
      ]),
  },
];

/** Run seeds each reproducer is replayed with. */
const RUN_SEEDS = 24;

function repeat(head: Uint8Array, zeros: number, times: number): Uint8Array {
  const unit = head.length + zeros;
  const bytes = new Uint8Array(unit * times);
  for (let i = 0; i < times; i++) bytes.set(head, i * unit);
  return bytes;
}

async function replay(target: FuzzTarget, input: Uint8Array, runSeed: number, name: string) {
  try {
    await target.run(input, new Random(runSeed));
  } catch (error) {
    throw new AssertionError({
      message: `${target.name}: ${name} (run seed ${runSeed}): ${
        error instanceof Error ? `${error.name}: ${error.message}` : String(error)
      }`,
    });
  }
}

for (const reproducer of REPRODUCERS) {
  Deno.test(`Fuzz regression, ${reproducer.target}: ${reproducer.name}`, async () => {
    const target = targetNamed(reproducer.target)!;
    const input = reproducer.input();
    for (let seed = 0; seed < RUN_SEEDS; seed++) {
      await replay(target, input, seed, reproducer.name);
    }
  });
}

const REGRESSIONS_DIR = new URL("./regressions/", import.meta.url);
for (const folder of [...Deno.readDirSync(REGRESSIONS_DIR)].filter((e) => e.isDirectory)) {
  const target = targetNamed(folder.name);
  if (target === undefined) throw new Error(`regressions/${folder.name}: no such target`);
  const dir = new URL(`${folder.name}/`, REGRESSIONS_DIR);
  const files = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".bin"));
  for (const file of files.sort((a, b) => a.name < b.name ? -1 : 1)) {
    const runSeed = Number(/-s(\d+)\.bin$/.exec(file.name)?.[1] ?? 0);
    Deno.test(`Fuzz regression, ${folder.name}: ${file.name}`, async () => {
      await replay(target, Deno.readFileSync(new URL(file.name, dir)), runSeed, file.name);
    });
  }
}
